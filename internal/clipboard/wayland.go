package clipboard

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"time"
)

// WaylandCopyArgs are wl-copy's arguments: it stays in the foreground (so
// the owner knows when another copy replaced it) and offers plain text.
// wl-copy serves a single MIME type, so no password-manager marker.
var WaylandCopyArgs = []string{"--foreground", "--type", "text/plain;charset=utf-8"}

// serveWayland runs wl-copy in the foreground with the text on its stdin;
// when clearAfter passes and wl-paste still shows the text, it clears the
// clipboard with `wl-copy --clear`. wl-copy exits by itself when another
// program copies, which ends the owner too.
func serveWayland(ctx context.Context, text []byte, clearAfter time.Duration, ready func(error)) error {
	cmd := exec.CommandContext(ctx, "wl-copy", WaylandCopyArgs...)
	cmd.Stdin = bytes.NewReader(text)
	if err := cmd.Start(); err != nil {
		err = fmt.Errorf("wl-copy: %w", err)
		ready(err)
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// wl-copy has no "ready" signal; wait until wl-paste shows the text.
	deadline := time.Now().Add(5 * time.Second)
	for !waylandShows(ctx, text) {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			err := fmt.Errorf("wl-copy did not take the clipboard within 5s")
			ready(err)
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
	ready(nil)
	select {
	case <-done:
		return nil // replaced by another copy
	case <-time.After(clearAfter):
		if waylandShows(ctx, text) {
			_ = exec.CommandContext(ctx, "wl-copy", "--clear").Run()
		}
		_ = cmd.Process.Kill()
		return nil
	}
}

func waylandShows(ctx context.Context, text []byte) bool {
	out, err := exec.CommandContext(ctx, "wl-paste", "--no-newline", "--type", "text/plain").Output()
	return err == nil && bytes.Equal(out, text)
}
