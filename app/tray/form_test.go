package tray

import (
	"bytes"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/config"
)

func TestIcons(t *testing.T) {
	seen := map[string]bool{}
	for _, i := range []Icon{IconNone, IconActive, IconExpiring, IconExpired} {
		data := IconPNG(i)
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%v: %v", i, err)
		}
		if b := img.Bounds(); b.Dx() != 64 || b.Dy() != 64 {
			t.Errorf("%v: %v", i, b)
		}
		if seen[string(data)] {
			t.Errorf("%v looks like another state's icon", i)
		}
		seen[string(data)] = true
	}
}

func TestSettingsForm(t *testing.T) {
	on := false
	s := &config.Settings{
		AccountAliases:  map[string]string{"111": "prod", "222": "dev"},
		DefaultDuration: "2h", Notifications: &on, EnvFormat: "fish",
		IdPLoginURLs: map[string]string{"https://idp": "https://idp/login"},
	}
	f := FormFromSettings(s)
	if f.Aliases != "111 = prod\n222 = dev\n" || f.DefaultDuration != 2*time.Hour || f.Notifications || f.EnvFormat != "fish" {
		t.Fatalf("form = %+v", f)
	}
	tests := []struct {
		name  string
		edit  func(*SettingsForm)
		err   string
		check func(*config.Settings) bool
	}{
		{"round trip", func(*SettingsForm) {}, "", func(o *config.Settings) bool {
			return o.AccountAliases["222"] == "dev" && o.DefaultDuration == "2h0m0s" && o.EnvFormat == "fish" && !o.NotificationsEnabled()
		}},
		{"aliases edited", func(f *SettingsForm) { f.Aliases = "# comment\n333=sandbox\n\n" }, "", func(o *config.Settings) bool {
			return len(o.AccountAliases) == 1 && o.AccountAliases["333"] == "sandbox"
		}},
		{"bad alias line", func(f *SettingsForm) { f.Aliases = "333 sandbox" }, "Account aliases, line 1", nil},
		{"bad URL", func(f *SettingsForm) { f.LoginURLs = "p = idp.example/login" }, "must start with https://", nil},
		{"bad timeout", func(f *SettingsForm) { f.ClipboardTimeout = "soon" }, "Clipboard timeout", nil},
		{"bad proxy", func(f *SettingsForm) { f.Proxy = "proxy:3128" }, "proxy", nil},
		{"sh is the default", func(f *SettingsForm) { f.EnvFormat = "sh"; f.ClipboardTimeout = "10s" }, "", func(o *config.Settings) bool {
			d, _ := o.ClipboardTimeoutDuration()
			return o.EnvFormat == "" && d == 10*time.Second
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := f
			tt.edit(&g)
			out := &config.Settings{Region: "kept"}
			err := g.Apply(out)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || !tt.check(out) || out.Region != "kept" {
				t.Fatalf("Apply = %v, settings %+v", err, out)
			}
		})
	}
}
