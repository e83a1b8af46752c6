package textsafe

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestCap(t *testing.T) {
	if got := Cap("short", 10); got != "short" {
		t.Fatal(got)
	}
	long := strings.Repeat("a", 100000)
	if got := Cap(long, 64); len(got) > 90 || !strings.Contains(got, "100000 bytes") {
		t.Fatalf("%d %q", len(got), got[:20])
	}
	if got := Cap("ééééé", 3); got != "é…(10 bytes)" {
		t.Fatalf("%q", got)
	}
}

// TestLogHandler: a 100 KB extension id used to be logged whole.
func TestLogHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(LogHandler(slog.NewTextHandler(&buf, nil))).With("pre", strings.Repeat("p", 1000))
	id := strings.Repeat("x", 100*1024)
	log.Warn("refused caller", "extension", id, "err", errors.New("bad\nline"), "n", 3,
		slog.Group("g", "issuer", "evil\nlevel=ERROR msg=forged"))
	out := buf.String()
	if len(out) > 3000 {
		t.Fatalf("log line is %d bytes", len(out))
	}
	if strings.Count(out, "\n") != 1 {
		t.Fatalf("a value broke the line: %q", out)
	}
	for _, want := range []string{"102400 bytes", "n=3", `err=bad\nline`, "1000 bytes"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q: %s", want, out)
		}
	}
}
