package cli

import (
	"runtime"
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
		{"bad --show", []string{"tray", "--show", "menu"}, nil, `--show "menu": use picker, settings or sessions`},
		{"no tray binary", []string{"tray"}, map[string]string{"PATH": "", "DISPLAY": ":99"}, "make build-tray"},
		{"no display", []string{"tray"}, map[string]string{"DISPLAY": "", "WAYLAND_DISPLAY": ""}, "no display"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "no display" && runtime.GOOS != "linux" {
				t.Skip("the display check is Linux's")
			}
			w := newWorld(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
				w.env[k] = v
			}
			r := w.run(tt.args...)
			if r.code == 0 || !strings.Contains(r.stderr, tt.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("ramsso %v: code %d, stderr %q; want one line with %q", tt.args, r.code, r.stderr, tt.want)
			}
		})
	}
}
