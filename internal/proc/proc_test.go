package proc

import (
	"path/filepath"
	"testing"
)

func TestHasDisplay(t *testing.T) {
	for _, tc := range []struct {
		goos string
		env  map[string]string
		want bool
	}{
		{"linux", nil, false},
		{"linux", map[string]string{"DISPLAY": ":0"}, true},
		{"linux", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, true},
		{"freebsd", nil, false},
		{"darwin", nil, true},
		{"windows", nil, true},
	} {
		got := HasDisplay(tc.goos, func(k string) string { return tc.env[k] })
		if got != tc.want {
			t.Errorf("HasDisplay(%s, %v) = %t, want %t", tc.goos, tc.env, got, tc.want)
		}
	}
}

func TestSiblingName(t *testing.T) {
	self := filepath.Join("opt", "ramsso", "bin", "ramsso-host")
	for _, tc := range []struct{ goos, name, want string }{
		{"linux", Tray, filepath.Join("opt", "ramsso", "bin", "ramsso-tray")},
		{"windows", CLI, filepath.Join("opt", "ramsso", "bin", "ramsso.exe")},
	} {
		if got := SiblingName(self, tc.goos, tc.name); got != tc.want {
			t.Errorf("SiblingName(%s, %s) = %q, want %q", tc.goos, tc.name, got, tc.want)
		}
	}
}
