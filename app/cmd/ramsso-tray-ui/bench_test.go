//go:build screenshots

package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/standin/testidp"
	"github.com/ramsso/ramsso/internal/store"
)

// TestIdleMemory is the benchmark (`make bench-tray`): the resident
// memory of the tray and every process it keeps running, with 10
// sessions, after RAMSSO_TRAY_IDLE (default 60 s) idle — goal 25 MB;
// then ask → picker focused on screen over RAMSSO_TRAY_ASKS asks each
// cold (a new window process) and warm (within the grace period) — goal:
// median under 400 ms, logged; then memory while the picker is open and 10 s
// after it closed.
func TestIdleMemory(t *testing.T) {
	var ss []store.Session
	for i := 0; i < 10; i++ {
		ss = append(ss, session(fmt.Sprintf("acct%d-role%d", i/3, i), "12345678901234"+strconv.Itoa(10+i), "", "role"+strconv.Itoa(i), time.Duration(i+1)*40*time.Minute))
	}
	const grace = 2 * time.Second
	p := start(t, seed(t, ss), "RAMSSO_TRAY_UI_GRACE="+grace.String(), "RAMSSO_TRAY_SCREENSHOTS=")
	ctx := context.Background()
	idle := 60 * time.Second
	if v := os.Getenv("RAMSSO_TRAY_IDLE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		idle = d
	}
	time.Sleep(idle)
	m := memory(t, p.cmd.Process.Pid)
	total := treeKB(t, p.cmd.Process.Pid)
	t.Logf("idle %s with 10 sessions: %.1f MB total for the tray and its children (resident tray %.1f MB: %.1f MB anonymous, %.1f MB file-backed; %d child processes)",
		idle, mb(total), mb(m.total), mb(m.anon), mb(m.file), len(children(p.cmd.Process.Pid)))
	if total > 25*1024 {
		t.Errorf("idle memory %.1f MB is over the 25 MB goal", mb(total))
	}

	idp, err := testidp.New(issuer)
	if err != nil {
		t.Fatal(err)
	}
	b64, err := idp.Response(testidp.Options{Roles: roles, Lifetime: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := saml.Decode([]byte(b64))
	if err != nil {
		t.Fatal(err)
	}
	asks := 5
	if v := os.Getenv("RAMSSO_TRAY_ASKS"); v != "" {
		if asks, err = strconv.Atoi(v); err != nil {
			t.Fatal(err)
		}
	}
	// ask shows the picker and returns the latency; keep leaves it open.
	ask := func(keep bool) (time.Duration, context.CancelFunc) {
		before, _ := p.client.Ping(ctx)
		actx, cancel := context.WithCancel(ctx)
		t0 := time.Now()
		go func() {
			_, _ = p.client.AskRole(actx, capture.AskRequest{ID: "b", Issuer: resp.Issuer, Roles: resp.Roles, AssertionExpires: resp.NotOnOrAfter})
		}()
		var shown time.Time
		waitFor(t, "the picker focused", 20*time.Second, func() bool {
			st, err := p.client.Ping(ctx)
			if err == nil && st.PickerShownAt.After(before.PickerShownAt) {
				shown = st.PickerShownAt
				return true
			}
			return false
		})
		if !keep {
			cancel()
		}
		return shown.Sub(t0), cancel
	}
	var cold, warm []time.Duration
	for i := 0; i < asks; i++ {
		waitFor(t, "the window process to exit", 20*time.Second, func() bool { return p.uiPID() == 0 })
		d, _ := ask(false)
		cold = append(cold, d)
		time.Sleep(300 * time.Millisecond) // within the grace period
		d, _ = ask(false)
		warm = append(warm, d)
	}
	if asks > 0 {
		t.Logf("ask → picker focused, cold (window process started): first %s, median %s over %d", cold[0].Round(time.Millisecond), median(cold).Round(time.Millisecond), asks)
		t.Logf("ask → picker focused, warm (window process within its grace): median %s over %d", median(warm).Round(time.Millisecond), asks)
		// Logged against the goal, not asserted: a loaded machine must not
		// fail a test on speed.
		t.Logf("cold median against the 400 ms goal: %s", map[bool]string{true: "met", false: "NOT met"}[median(cold) < 400*time.Millisecond])
	}

	waitFor(t, "the window process to exit", 20*time.Second, func() bool { return p.uiPID() == 0 })
	_, cancel := ask(true)
	time.Sleep(time.Second)
	open := treeKB(t, p.cmd.Process.Pid)
	cancel()
	time.Sleep(10 * time.Second)
	after := treeKB(t, p.cmd.Process.Pid)
	t.Logf("picker open: %.1f MB total; 10 s after it closed: %.1f MB (window process running: %v)", mb(open), mb(after), p.uiPID() != 0)
	if after > 25*1024 {
		t.Errorf("10 s after the picker closed the tray holds %.1f MB, over the 25 MB goal", mb(after))
	}
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// treeKB is the resident memory of pid and every process it keeps running.
func treeKB(t *testing.T, pid int) int {
	kb := statusKB(t, pid, "VmRSS:")
	for _, c := range children(pid) {
		kb += treeKB(t, c)
	}
	return kb
}

func mb(kb int) float64 { return float64(kb) / 1024 }

type mem struct{ total, anon, file, gl int }

// memory reads a process's resident memory from /proc: the total, its
// anonymous and file-backed parts, and the pages of GL driver libraries.
func memory(t *testing.T, pid int) mem {
	var m mem
	m.total = statusKB(t, pid, "VmRSS:")
	m.anon = statusKB(t, pid, "RssAnon:")
	m.file = statusKB(t, pid, "RssFile:")
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		t.Fatal(err)
	}
	gl := false
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if !strings.HasSuffix(f[0], ":") { // a mapping's header line
			name := ""
			if len(f) >= 6 {
				name = f[5]
			}
			gl = strings.Contains(name, "/dri/") || strings.Contains(name, "libLLVM") || strings.Contains(name, "libgallium") || strings.Contains(name, "libGL")
			continue
		}
		if gl && f[0] == "Rss:" && len(f) >= 2 {
			n, _ := strconv.Atoi(f[1])
			m.gl += n
		}
	}
	return m
}

func statusKB(t *testing.T, pid int, key string) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == key {
			n, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", key, pid)
	return 0
}
