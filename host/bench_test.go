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
	"github.com/ramsso/ramsso/internal/testidp"
)

// buildHost builds the real ramsso-host binary (cgo-free, as `make build`).
func buildHost(b *testing.B) string {
	b.Helper()
	out := filepath.Join(b.TempDir(), "ramsso-host")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, "../app/cmd/ramsso-host")
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
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		cmd := exec.Command(bin, origin)
		cmd.Env = []string{"RAMSSO_HOME=" + w.home}
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
		times = append(times, time.Since(start))
		in.Close()
		_ = cmd.Wait()
	}
	b.StopTimer()
	reportMedian(b, times)
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
