package cli

import (
	"strings"
	"testing"
)

func TestTrayCommandErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"bad --show", []string{"tray", "--show", "menu"}, nil, `--show "menu": use picker or settings`},
		{"no tray binary", []string{"tray"}, map[string]string{"PATH": ""}, "make build-tray"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			r := w.run(tt.args...)
			if r.code == 0 || !strings.Contains(r.stderr, tt.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("ramsso %v: code %d, stderr %q; want one line with %q", tt.args, r.code, r.stderr, tt.want)
			}
		})
	}
}
