//go:build linux || darwin

package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// ptyRun is the real ramsso binary on a pseudo-terminal: the pty is its
// controlling terminal, stdin and stderr; stdout is a pipe, so the test
// sees whether anything but the requested output reaches it.
type ptyRun struct {
	t      *testing.T
	cmd    *exec.Cmd
	ptmx   *os.File
	mu     sync.Mutex
	screen bytes.Buffer
	stdout bytes.Buffer
	done   chan struct{}
}

func startPTY(t *testing.T, w *world, args ...string) *ptyRun {
	t.Helper()
	bin, err := ramssoBinary()
	if err != nil {
		t.Fatalf("building ramsso: %v", err)
	}
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 30, Cols: 100}); err != nil {
		t.Fatal(err)
	}
	r := &ptyRun{t: t, ptmx: ptmx, done: make(chan struct{})}
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "TERM=xterm-256color"}
	for k, v := range w.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdin, cmd.Stderr = tty, tty
	cmd.Stdout = &lockedWriter{mu: &r.mu, w: &r.stdout}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	r.cmd = cmd
	go func() {
		defer close(r.done)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			r.mu.Lock()
			r.screen.Write(buf[:n])
			r.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		ptmx.Close()
	})
	return r
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// waitFor waits until the terminal has shown s since the last call.
func (r *ptyRun) waitFor(s string) {
	r.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		i := strings.Index(r.screen.String(), s)
		if i >= 0 {
			r.screen.Next(i + len(s))
		}
		r.mu.Unlock()
		if i >= 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.t.Fatalf("terminal never showed %q; it shows:\n%q", s, r.screen.String())
}

func (r *ptyRun) typeKeys(s string) {
	r.t.Helper()
	if _, err := r.ptmx.Write([]byte(s)); err != nil {
		r.t.Fatal(err)
	}
}

// wait returns the exit code, the rest of the screen and stdout.
func (r *ptyRun) wait() (int, string, string) {
	r.t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- r.cmd.Wait() }()
	var err error
	select {
	case err = <-errc:
	case <-time.After(15 * time.Second):
		r.t.Fatal("ramsso did not exit")
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		r.t.Fatal(err)
	}
	select {
	case <-r.done:
	case <-time.After(2 * time.Second):
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return code, r.screen.String(), r.stdout.String()
}

func TestPickerInRealTerminal(t *testing.T) {
	w := newWorld(t)
	three := w.roles(roleValue(roleAdmin, provider), roleValue(roleReadonly, provider), roleValue(roleDev, provider2))
	profiles := func() []string {
		var list []struct{ Profile string }
		r := w.run("list", "--json")
		if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
			t.Fatalf("list --json: %v %q", err, r.stdout)
		}
		var out []string
		for _, p := range list {
			out = append(out, p.Profile)
		}
		return out
	}

	t.Run("filter by account id, arrow, Enter", func(t *testing.T) {
		p := startPTY(t, w, "assume", "--saml", w.response(three), "--output", "json")
		p.waitFor("Role (type to filter)")
		p.waitFor(acct2) // the dev account's group
		p.typeKeys(acct1[:6])
		p.waitFor("> " + acct1[:6])
		p.typeKeys("\x1b[B") // down: admin → readonly
		p.waitFor("› readonly")
		p.typeKeys("\r")
		code, screen, stdout := p.wait()
		if code != 0 || !strings.Contains(screen, "stored profile "+acct1+"-readonly") {
			t.Fatalf("exit %d, screen %q", code, screen)
		}
		var creds map[string]string
		if err := json.Unmarshal([]byte(stdout), &creds); err != nil || creds["AccessKeyId"] == "" {
			t.Fatalf("stdout is not just the credentials JSON (%v): %q", err, stdout)
		}
	})
	before := profiles()

	t.Run("Esc cancels", func(t *testing.T) {
		p := startPTY(t, w, "assume", "--saml", w.response(three))
		p.waitFor("Role (type to filter)")
		p.typeKeys("dev")
		p.waitFor("› dev")
		p.typeKeys("\x1b")
		code, screen, stdout := p.wait()
		if code != 1 || !strings.Contains(screen, "ramsso: no role chosen: cancelled") || stdout != "" {
			t.Fatalf("exit %d, screen %q, stdout %q", code, screen, stdout)
		}
	})

	t.Run("Ctrl-C cancels", func(t *testing.T) {
		p := startPTY(t, w, "assume", "--saml", w.response(three))
		p.waitFor("Role (type to filter)")
		p.typeKeys("\x03")
		code, screen, stdout := p.wait()
		if code != 130 || !strings.Contains(screen, "no role chosen: interrupted") || stdout != "" {
			t.Fatalf("exit %d, screen %q, stdout %q", code, screen, stdout)
		}
	})

	if after := profiles(); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Errorf("a cancelled picker stored something: %v → %v", before, after)
	}
	if strings.Join(before, ",") != acct1+"-readonly" {
		t.Errorf("profiles %v, want only %s-readonly", before, acct1)
	}
}
