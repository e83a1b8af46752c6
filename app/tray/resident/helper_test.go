package resident

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ramsso/ramsso/app/tray"
)

// The resident's tests run this test binary as the window process: a real
// process on real pipes speaking the window protocol, answering with the
// real PickerModel. (The Fyne windows are tested in app/tray/windows and,
// as the real ramsso-tray-ui binary, by `make screenshots`.)
//
// RAMSSO_TEST_WINDOW=DIR turns the binary into that process. For the n-th
// question (from 1) it appends the question's id to DIR/seen, waits for
// DIR/answer-n, and plays the script in it: "cancel", or ";"-separated
// steps "filter=TEXT", "down", "remember", "duration=30m", "hang".
const envWindow = "RAMSSO_TEST_WINDOW"

func TestMain(m *testing.M) {
	if dir := os.Getenv(envWindow); dir != "" {
		os.Exit(windowHelper(dir))
	}
	os.Exit(m.Run())
}

func windowHelper(dir string) int {
	conn := tray.NewConn(os.Stdin, os.Stdout)
	_ = conn.Send(tray.Event{Type: tray.EvReady})
	n := 0
	asks := make(chan tray.Request, 16)
	go func() {
		for r := range asks {
			n++
			appendLine(filepath.Join(dir, "seen"), r.Ask.Req.ID)
			_ = conn.Send(tray.Event{Type: tray.EvShown, Window: "picker", Seq: r.Seq, Focused: true})
			gate := filepath.Join(dir, fmt.Sprintf("answer-%d", n))
			var script []byte
			for {
				b, err := os.ReadFile(gate)
				if err == nil {
					script = b
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			m := tray.NewPickerModel(r.Ask.Req, r.Ask.Aliases, r.Ask.DefaultDuration, r.Ask.MaxDuration)
			ev := tray.Event{Type: tray.EvAnswer, Seq: r.Seq}
			for _, step := range strings.Split(strings.TrimSpace(string(script)), ";") {
				k, v, _ := strings.Cut(step, "=")
				switch k {
				case "cancel":
					ev.Error = tray.ErrCancel
				case "hang":
					select {}
				case "filter":
					m.SetFilter(v)
				case "down":
					m.Move(1)
				case "remember":
					m.SetRemember(true)
				case "duration":
					d, _ := time.ParseDuration(v)
					m.SetDuration(d)
				}
			}
			if ev.Error == "" {
				a, err := m.Answer(time.Now())
				if err != nil {
					ev.Error = err.Error()
				} else {
					ev.Answer = &a
				}
			}
			_ = conn.Send(ev)
		}
	}()
	for {
		var r tray.Request
		if err := conn.Read(&r); err != nil {
			return 0 // the resident closed the pipe: exit, as ramsso-tray-ui does
		}
		if r.Type == tray.ReqAsk && r.Ask != nil {
			asks <- r
		}
		if r.Type == tray.ReqSettings || r.Type == tray.ReqSessions {
			appendLine(filepath.Join(dir, "windows"), r.Type)
		}
	}
}

func appendLine(path, line string) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	fmt.Fprintln(f, line)
	f.Close()
}

// helperWindows makes a WindowStarter running this binary as the window
// process, scripted through dir.
func helperWindows(t *testing.T, dir string) WindowStarter {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return func() *exec.Cmd {
		cmd := exec.Command(exe)
		cmd.Env = append(os.Environ(), envWindow+"="+dir)
		return cmd
	}
}

// answer releases the n-th question with script.
func answer(t *testing.T, dir string, n int, script string) {
	t.Helper()
	// Written aside and renamed: the helper polls for the file and must
	// never read it half-written (an empty script answers with a role).
	gate := filepath.Join(dir, fmt.Sprintf("answer-%d", n))
	if err := os.WriteFile(gate+".tmp", []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(gate+".tmp", gate); err != nil {
		t.Fatal(err)
	}
}

func seen(dir string) string {
	b, _ := os.ReadFile(filepath.Join(dir, "seen"))
	return strings.ReplaceAll(strings.TrimSpace(string(b)), "\n", ",")
}
