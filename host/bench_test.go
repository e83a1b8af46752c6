package host

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/nativemsg"
	"github.com/ramsso/ramsso/internal/standin/testidp"
)

// buildHost builds the real ramsso-host binary (cgo-free, as `make build`).
func buildHost(b *testing.B) string {
	b.Helper()
	return buildBinary(b, "../app/cmd/ramsso-host")
}

// buildBinary builds the command at pkg as `make build` builds ramsso's.
func buildBinary(b *testing.B, pkg string) string {
	b.Helper()
	out := filepath.Join(b.TempDir(), filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, msg)
	}
	return out
}

func reportMedian(b *testing.B, d []time.Duration) {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	if len(d) > 0 {
		b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "median-ms")
		b.ReportMetric(float64(d[len(d)*9/10].Microseconds())/1000, "p90-ms")
	}
}

// BenchmarkHostSpawnPing: start ramsso-host as the browser does, send ping,
// read pong, close stdin, wait for exit. Goal: median under 10 ms.
func BenchmarkHostSpawnPing(b *testing.B) {
	bin := buildHost(b)
	w := newWorld(b, nil)
	env := []string{"RAMSSO_HOME=" + w.home}
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		times = append(times, spawnPing(b, bin, env))
	}
	b.StopTimer()
	reportMedian(b, times)
}

// spawnPing starts bin as the browser does, sends ping, reads the reply
// and returns how long that took; it then closes stdin and reaps it.
func spawnPing(b *testing.B, bin string, env []string) time.Duration {
	start := time.Now()
	cmd := exec.Command(bin, origin)
	cmd.Env = env
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	if err := nativemsg.WriteJSON(in, map[string]string{"type": "ping"}); err != nil {
		b.Fatal(err)
	}
	if _, err := nativemsg.ReadFrame(out); err != nil {
		b.Fatal(err)
	}
	took := time.Since(start)
	in.Close()
	_ = cmd.Wait()
	return took
}

// BenchmarkHostSpawnPingRatio: ramsso-host's spawn + ping + pong against
// a bare Go program (testdata/bare: read one frame, answer, exit) doing
// the same, alternated in one run so both see the same machine load.
// Reports the median of each and their ratio; goal: ratio within 2.
func BenchmarkHostSpawnPingRatio(b *testing.B) {
	host := buildHost(b)
	bare := buildBinary(b, "./testdata/bare")
	w := newWorld(b, nil)
	env := []string{"RAMSSO_HOME=" + w.home}
	hostT := make([]time.Duration, 0, b.N)
	bareT := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		hostT = append(hostT, spawnPing(b, host, env))
		bareT = append(bareT, spawnPing(b, bare, env))
	}
	b.StopTimer()
	median := func(d []time.Duration) time.Duration {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return d[len(d)/2]
	}
	h, g := median(hostT), median(bareT)
	b.ReportMetric(float64(h.Microseconds())/1000, "host-ms")
	b.ReportMetric(float64(g.Microseconds())/1000, "bare-ms")
	b.ReportMetric(float64(h)/float64(g), "ratio")
}

// BenchmarkCaptureToStoredSession: one capture message (one role) through
// Host.Serve to a session in the file store, against the local STS
// emulator over loopback HTTP. Assertions are signed beforehand.
func BenchmarkCaptureToStoredSession(b *testing.B) {
	w := newWorld(b, nil)
	w.emu.SetClock(time.Now)
	assertions := make([]string, b.N)
	for i := range assertions {
		assertions[i] = w.assertion(testidp.Options{Now: time.Now()}, admin)
	}
	c := w.serve(w.host())
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := fmt.Sprint("b", i)
		start := time.Now()
		c.send(capMsg(id, assertions[i]))
		if m, _ := c.until(id, "done"); m["type"] != "done" {
			b.Fatalf("%v", m)
		}
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	reportMedian(b, times)
}
