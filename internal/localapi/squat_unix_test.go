//go:build unix

package localapi

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// squat is another user's process that gets to the tray's socket path
// first: it makes the directory (open to all), listens, and reports on
// stdout every byte a client sends it, until stdin closes.
func squat(path string) int {
	_ = os.MkdirAll(filepath.Dir(path), 0o777)
	_ = os.Chmod(filepath.Dir(path), 0o777)
	ln, err := net.Listen("unix", path)
	if err != nil {
		fmt.Println("ERR", err)
		return 1
	}
	_ = os.Chmod(path, 0o777)
	fmt.Println("READY")
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
				b := make([]byte, 4096)
				if n, _ := c.Read(b); n > 0 {
					fmt.Printf("DATA %q\n", strings.SplitN(string(b[:n]), "\r\n", 2)[0])
				}
			}()
		}
	}()
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}
