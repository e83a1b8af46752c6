// Command bare is the yardstick for BenchmarkHostSpawnPingRatio: a Go
// program that reads one native message frame and exits, with nothing
// else linked in.
package main

import (
	"io"
	"os"
)

func main() {
	var n [4]byte
	if _, err := io.ReadFull(os.Stdin, n[:]); err != nil {
		os.Exit(1)
	}
	size := int(n[0]) | int(n[1])<<8 | int(n[2])<<16 | int(n[3])<<24
	if _, err := io.CopyN(io.Discard, os.Stdin, int64(size)); err != nil {
		os.Exit(1)
	}
	msg := []byte(`{"ok":true,"type":"pong"}`)
	l := len(msg)
	os.Stdout.Write(append([]byte{byte(l), byte(l >> 8), byte(l >> 16), byte(l >> 24)}, msg...))
}
