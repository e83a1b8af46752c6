package clipboard

import (
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"strings"
)

// OSC52 is the escape sequence that asks a terminal emulator to put text
// on the local clipboard ("c"). Inside tmux (TMUX set) or GNU screen
// (TERM screen*) the sequence is wrapped so the multiplexer passes it on.
func OSC52(text string, tmux, screen bool) string {
	seq := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(text)) + "\x07"
	switch {
	case tmux:
		return "\x1bPtmux;" + strings.ReplaceAll(seq, "\x1b", "\x1b\x1b") + "\x1b\\"
	case screen:
		return "\x1bP" + seq + "\x1b\\"
	}
	return seq
}

// copyOSC52 writes the sequence to the controlling terminal (never to
// stdout, which may be a pipe).
func copyOSC52(text string) error {
	tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("OSC 52 needs a terminal: %w", err)
	}
	defer tty.Close()
	return writeOSC52(tty, text, os.Getenv("TMUX") != "", strings.HasPrefix(os.Getenv("TERM"), "screen"))
}

func writeOSC52(w io.Writer, text string, tmux, screen bool) error {
	if _, err := io.WriteString(w, OSC52(text, tmux, screen)); err != nil {
		return fmt.Errorf("writing OSC 52 to the terminal: %w", err)
	}
	return nil
}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }
