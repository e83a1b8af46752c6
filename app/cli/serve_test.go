package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/credserver"
	"github.com/ramsso/ramsso/internal/testutil/asuser"
)

// bindChild is another user's process squatting a port: it answers every
// request with 200 and reports each request line on stdout, until stdin
// closes.
func bindChild(port string) int {
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		fmt.Println("ERR", err)
		return 1
	}
	fmt.Println("READY")
	go func() {
		_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Println("REQUEST", r.URL.Path)
			_, _ = w.Write([]byte(`{"Code":"Success","AccessKeyId":"EVIL"}`))
		}))
	}()
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// TestServeSquattedPort: another user binds the remembered port while
// serve is down. serve must not start behind them, must rotate the token
// (whatever they collected is worthless) and say so loudly; doctor names
// the other uid.
func TestServeSquattedPort(t *testing.T) {
	_, bin := asuser.Binary(t, "cli.test")
	w := newWorld(t)
	w.assumeAdmin()
	port := freePort(t)
	before, err := credserver.LoadState(context.Background(), w.home, port)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = []string{"RAMSSO_CLI_TEST_BIND=" + strconv.Itoa(port)}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: asuser.Nobody, Gid: asuser.Nobody}}
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(out)
	if line, _ := r.ReadString('\n'); strings.TrimSpace(line) != "READY" {
		t.Fatalf("squatter: %q", line)
	}
	defer func() { in.Close(); _ = cmd.Wait() }()

	res := w.run("serve")
	if res.code == 0 || !strings.Contains(res.stderr, "WARNING") || !strings.Contains(res.stderr, "squatting") || !strings.Contains(res.stderr, "rotated") {
		t.Fatalf("serve on a squatted port: %d %s", res.code, res.stderr)
	}
	after, _ := credserver.LoadState(context.Background(), w.home, 0)
	if after.Token == before.Token || after.Port != port {
		t.Fatalf("token not rotated: %+v -> %+v", before, after)
	}
	d := w.run("doctor", "--json")
	var rep struct{ Checks []Check }
	_ = json.Unmarshal([]byte(d.stdout), &rep)
	found := false
	for _, c := range rep.Checks {
		if c.Name == "serve" && c.Status == CheckFail && strings.Contains(c.Detail, "another user (uid 65534)") {
			found = true
		}
	}
	if !found {
		t.Errorf("doctor does not name the squatter: %s", d.stdout)
	}
}

// TestServeSocketActivation hands serve a listening socket the way systemd
// does (fd 3, LISTEN_PID, LISTEN_FDS): serve uses it, keeps the token while
// the same socket is handed again, and makes a new one for a new socket.
func TestServeSocketActivation(t *testing.T) {
	w := newWorld(t)
	keys := w.assumeAdmin()
	exe, _ := os.Executable()
	run := func(ln *net.TCPListener) credserver.State {
		t.Helper()
		f, err := ln.File()
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmd := exec.Command("sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" serve`, exe)
		cmd.Env = append(w.environ(), "RAMSSO_CLI_TEST_MAIN=1")
		cmd.ExtraFiles = []*os.File{f}
		errb := &strings.Builder{}
		cmd.Stderr = errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }()
		port := ln.Addr().(*net.TCPAddr).Port
		deadline := time.Now().Add(10 * time.Second)
		for {
			st, err := credserver.LoadState(context.Background(), w.home, 0)
			if err == nil && st.Port == port && credserver.Probe(context.Background(), st) == nil {
				resp, err := http.Get(st.URL(acct1 + "-admin"))
				if err != nil {
					t.Fatal(err)
				}
				var got map[string]string
				_ = json.NewDecoder(resp.Body).Decode(&got)
				resp.Body.Close()
				if got["AccessKeyId"] != keys["AccessKeyId"] {
					t.Fatalf("activated serve answered %v", got)
				}
				return st
			}
			if time.Now().After(deadline) {
				t.Fatalf("activated serve never answered on the handed socket: %s", errb)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	ln1, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer ln1.Close()
	a := run(ln1)
	b := run(ln1) // the service restarted; systemd still holds the socket
	if a.Token != b.Token {
		t.Error("the token changed although the same socket was handed over")
	}
	ln2, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer ln2.Close()
	if c := run(ln2); c.Token == b.Token {
		t.Error("a new socket (a new login) kept the old token")
	}
}

func TestInstallServeFiles(t *testing.T) {
	files, next, err := serveOwnerFiles("linux", "/home/me", "", "/home/me/bin/ramsso", 23456)
	if err != nil || len(files) != 2 || len(next) != 2 {
		t.Fatalf("%v %v %v", files, next, err)
	}
	if files[0].path != "/home/me/.config/systemd/user/ramsso-serve.socket" || !strings.Contains(files[0].content, "ListenStream=127.0.0.1:23456") {
		t.Errorf("socket unit %+v", files[0])
	}
	if !strings.Contains(files[1].content, `ExecStart="/home/me/bin/ramsso" serve`) {
		t.Errorf("service unit %s", files[1].content)
	}
	files, _, err = serveOwnerFiles("darwin", "/Users/me", "", "/Users/me/bin/ram&sso", 23456)
	if err != nil || files[0].path != "/Users/me/Library/LaunchAgents/com.ramsso.serve.plist" ||
		!strings.Contains(files[0].content, "<string>/Users/me/bin/ram&amp;sso</string>") || !strings.Contains(files[0].content, "<string>23456</string>") {
		t.Errorf("plist %+v %v", files, err)
	}
	if _, _, err := serveOwnerFiles("windows", `C:\Users\me`, "", `C:\ramsso.exe`, 1); err == nil {
		t.Error("windows: no owner, want an error naming exec --server")
	}
	// install --serve writes them (XDG_CONFIG_HOME honoured).
	w := newWorld(t)
	w.env["XDG_CONFIG_HOME"] = filepath.Join(w.workdir, "cfg")
	if r := w.run("install", "--serve"); r.code != 0 || !strings.Contains(r.stdout, "systemctl --user enable --now ramsso-serve.socket") {
		t.Fatalf("install --serve: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(w.workdir, "cfg", "systemd", "user", "ramsso-serve.socket")); err != nil {
		t.Fatal(err)
	}
}
