package clipboard

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// OwnerCommand is the hidden subcommand that runs the clipboard owner; a
// binary that wants Copy's X11/Wayland path must run RunOwnerMain for it.
const OwnerCommand = "__clipboard-owner"

// OwnerExecutable names the program Copy starts as the detached owner and
// its arguments: by default this very binary with OwnerCommand. A binary
// without that command (e.g. the tray) points it at one that has it.
var OwnerExecutable = func() (string, []string, error) {
	exe, err := os.Executable()
	return exe, []string{OwnerCommand}, err
}

// ownerReady bounds the wait for the owner to hold the clipboard.
const ownerReady = 10 * time.Second

// ownerHeader is the first line the owner reads from its pipe; the text
// follows it.
type ownerHeader struct {
	Backend    string `json:"backend"`
	Secret     bool   `json:"secret"`
	ClearAfter int64  `json:"clearAfterMs"`
	Display    string `json:"display,omitempty"`
	Wayland    string `json:"wayland,omitempty"`
}

// startOwner starts the detached owner, hands it the text over a pipe and
// waits until it serves the clipboard (or says why not).
func startOwner(ctx context.Context, env Env, backend, text string, secret bool, clearAfter time.Duration) error {
	exe, args, err := OwnerExecutable()
	if err != nil {
		return fmt.Errorf("finding the clipboard owner program: %w", err)
	}
	dataR, dataW, err := os.Pipe()
	if err != nil {
		return err
	}
	statR, statW, err := os.Pipe()
	if err != nil {
		dataR.Close()
		dataW.Close()
		return err
	}
	cmd := exec.Command(exe, args...)
	// No inherited stdio: the owner outlives this process and must not
	// hold its terminal or pipes open.
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, nil
	cmd.ExtraFiles = []*os.File{dataR, statW} // fd 3, fd 4
	cmd.Env = ownerEnv(env)
	cmd.Dir = "/" // keep no directory of the caller's busy
	detach(cmd)
	err = cmd.Start()
	dataR.Close()
	statW.Close()
	if err != nil {
		dataW.Close()
		statR.Close()
		return fmt.Errorf("starting the clipboard owner: %w", err)
	}
	go func() { _ = cmd.Wait() }() // reap it if it ends while we run
	hdr, _ := json.Marshal(ownerHeader{Backend: backend, Secret: secret, ClearAfter: clearAfter.Milliseconds(),
		Display: env.get("DISPLAY"), Wayland: env.get("WAYLAND_DISPLAY")})
	_, werr := dataW.Write(append(append(hdr, '\n'), text...))
	dataW.Close()
	if werr != nil {
		statR.Close()
		return fmt.Errorf("handing the text to the clipboard owner: %w", werr)
	}
	type reply struct {
		line string
		err  error
	}
	done := make(chan reply, 1)
	go func() {
		line, err := bufio.NewReader(statR).ReadString('\n')
		done <- reply{line, err}
	}()
	defer statR.Close()
	select {
	case r := <-done:
		line := strings.TrimSpace(r.line)
		if line == "ok" {
			return nil
		}
		if line == "" {
			return errors.New("the clipboard owner ended without taking the clipboard")
		}
		return errors.New(strings.TrimPrefix(line, "error: "))
	case <-time.After(ownerReady):
		_ = cmd.Process.Kill()
		return errors.New("the clipboard owner did not take the clipboard within 10s")
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		return ctx.Err()
	}
}

// ownerEnv is the owner's environment: only what it needs to reach the
// display and find wl-copy — never the caller's credentials variables.
func ownerEnv(env Env) []string {
	var out []string
	for _, k := range []string{"DISPLAY", "XAUTHORITY", "WAYLAND_DISPLAY", "XDG_RUNTIME_DIR", "PATH", "HOME"} {
		if v := env.get(k); v != "" {
			out = append(out, k+"="+v)
		}
	}
	return out
}

// RunOwnerMain is the owner process's main: it reads the header and text
// from fd 3, reports readiness on fd 4 and serves until the clipboard is
// taken by someone else or cleared. It returns the process exit code.
func RunOwnerMain() int {
	in := os.NewFile(3, "clipboard-data")
	status := os.NewFile(4, "clipboard-status")
	if !isOpen(in) || !isOpen(status) {
		fmt.Fprintln(os.Stderr, "ramsso: "+OwnerCommand+" is started by ramsso copy, not by hand")
		return 2
	}
	ready := func(err error) {
		if err != nil {
			fmt.Fprintf(status, "error: %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		} else {
			fmt.Fprintln(status, "ok")
		}
		status.Close()
	}
	br := bufio.NewReader(io.LimitReader(in, MaxText+4096))
	line, err := br.ReadBytes('\n')
	var h ownerHeader
	if err == nil {
		err = json.Unmarshal(line, &h)
	}
	if err != nil {
		ready(fmt.Errorf("clipboard owner: bad handover: %w", err))
		return 1
	}
	text, err := io.ReadAll(br)
	in.Close()
	if err != nil {
		ready(fmt.Errorf("clipboard owner: reading the text: %w", err))
		return 1
	}
	ctx := context.Background()
	clearAfter := time.Duration(h.ClearAfter) * time.Millisecond
	switch h.Backend {
	case BackendX11:
		err = ServeX11(ctx, h.Display, text, h.Secret, clearAfter, ready)
	case BackendWayland:
		err = serveWayland(ctx, text, clearAfter, ready)
	default:
		err = fmt.Errorf("clipboard owner: unknown backend %q", h.Backend)
		ready(err)
	}
	if err != nil {
		return 1
	}
	return 0
}

// isOpen reports whether f is an open pipe.
func isOpen(f *os.File) bool {
	if f == nil {
		return false
	}
	// The Go runtime itself may hold low fds (epoll, eventfd): only a
	// pipe is the handover.
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeNamedPipe != 0
}
