// Package clipboard puts text — often a secret — on the user's clipboard
// and takes it off again after a while, from a process that may exit at
// once (the CLI) or run all day (the tray).
//
// Where the clipboard lives decides how:
//   - X11: the selection belongs to a window of a running client, so a CLI
//     that exits would take the text with it. Copy starts a detached owner
//     process (this binary again, with a hidden command: see
//     OwnerExecutable) that owns CLIPBOARD in pure Go (jezek/xgb), serves
//     UTF8_STRING, TEXT, STRING and TARGETS plus the password-manager
//     marker (x-kde-passwordManagerHint = "secret") for secrets, clears
//     the selection after the timeout only if it still owns it, and exits
//     as soon as another program takes the clipboard. The text reaches it
//     over a pipe, never argv or the environment.
//   - Wayland: wl-copy (wl-clipboard) in the foreground, run by the same
//     detached owner, which clears with `wl-copy --clear` after the timeout
//     if wl-paste still shows the text. wl-copy offers one MIME type, so
//     Wayland gets no password-manager marker.
//   - Over SSH without a display: OSC 52, an escape sequence the user's
//     terminal emulator turns into a local copy (most do; tmux needs
//     `set -g set-clipboard on`). Nothing can check or clear what the
//     terminal copied, so the timeout does not apply there.
//   - macOS: pbcopy; no clearing (Copy says so).
package clipboard

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"time"
)

// DefaultClearAfter is how long a copied secret stays on the clipboard
// when the caller gives no timeout.
const DefaultClearAfter = 45 * time.Second

// MaxText bounds what Copy accepts (a session's env block is ~2 KB).
const MaxText = 64 << 10

// Backends.
const (
	BackendX11     = "x11"
	BackendWayland = "wayland"
	BackendOSC52   = "osc52"
	BackendMac     = "pbcopy"
)

// Env reads environment variables; nil means os.Getenv.
type Env func(string) string

func (e Env) get(k string) string {
	if e == nil {
		return os.Getenv(k)
	}
	return e(k)
}

// ErrNoClipboard means no clipboard can be reached from here.
var ErrNoClipboard = errors.New("no clipboard here: no DISPLAY or WAYLAND_DISPLAY, and not an SSH session whose terminal could take an OSC 52 copy")

// Choose picks the backend for this environment: Wayland (with wl-copy on
// PATH) first, then X11 (DISPLAY, also XWayland), then OSC 52 over SSH,
// then pbcopy on macOS. hasWlCopy reports whether wl-copy is installed.
func Choose(goos string, env Env, hasWlCopy bool) (string, error) {
	if goos == "darwin" && env.get("SSH_CONNECTION") == "" && env.get("SSH_TTY") == "" {
		return BackendMac, nil
	}
	if env.get("WAYLAND_DISPLAY") != "" && hasWlCopy {
		return BackendWayland, nil
	}
	if env.get("DISPLAY") != "" {
		return BackendX11, nil
	}
	if env.get("SSH_TTY") != "" || env.get("SSH_CONNECTION") != "" {
		return BackendOSC52, nil
	}
	if env.get("WAYLAND_DISPLAY") != "" {
		return "", errors.New("a Wayland session without wl-copy: install wl-clipboard (apt-get install wl-clipboard)")
	}
	return "", ErrNoClipboard
}

// Result says what Copy did, for the message the caller shows.
type Result struct {
	Backend string
	// Clears says the copy will be cleared after the timeout.
	Clears bool
}

// Copy puts text on the clipboard. secret marks it for clipboard managers
// and password-manager-aware tools; clearAfter (DefaultClearAfter when
// zero) is when it is taken off again, if nothing replaced it meanwhile.
// It returns once the clipboard serves the text.
func Copy(ctx context.Context, text string, secret bool, clearAfter time.Duration) error {
	_, err := CopyWith(ctx, nil, text, secret, clearAfter)
	return err
}

// CopyWith is Copy reading env (nil: the process environment) and saying
// which backend it used.
func CopyWith(ctx context.Context, env Env, text string, secret bool, clearAfter time.Duration) (Result, error) {
	if len(text) > MaxText {
		return Result{}, fmt.Errorf("%d bytes is too much to copy (at most %d)", len(text), MaxText)
	}
	if clearAfter <= 0 {
		clearAfter = DefaultClearAfter
	}
	_, lookErr := exec.LookPath("wl-copy")
	backend, err := Choose(runtime.GOOS, env, lookErr == nil)
	if err != nil {
		return Result{}, err
	}
	switch backend {
	case BackendOSC52:
		return Result{Backend: backend}, copyOSC52(text)
	case BackendMac:
		cmd := exec.CommandContext(ctx, "pbcopy")
		cmd.Stdin = stringsReader(text)
		if err := cmd.Run(); err != nil {
			return Result{}, fmt.Errorf("pbcopy: %w", err)
		}
		return Result{Backend: backend}, nil
	}
	if err := startOwner(ctx, env, backend, text, secret, clearAfter); err != nil {
		return Result{}, err
	}
	return Result{Backend: backend, Clears: true}, nil
}
