package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ramsso/ramsso/internal/browsers"
)

// TestDoctorBrowserPolicy: doctor reads managed browser policy from the
// Linux locations (under a temp root) and names the policy that blocks
// ramsso and what IT must set; a policy that admits ramsso passes.
func TestDoctorBrowserPolicy(t *testing.T) {
	id := browsers.ChromeExtensionID
	tests := []struct {
		name     string
		files    map[string]string // path under root → content
		check    string
		detail   string // in the failing check's detail ("" = no failure)
		fix      string
		noSystem bool
	}{
		{"blocklist star", map[string]string{"etc/chromium/policies/managed/lock.json": `{"ExtensionInstallBlocklist":["*"]}`},
			"browser policy (Chromium)", "ExtensionInstallBlocklist blocks the ramsso extension", "ExtensionInstallForcelist", false},
		{"legacy blacklist on Chrome", map[string]string{"etc/opt/chrome/policies/managed/a.json": `{"ExtensionInstallBlacklist":["*"]}`},
			"browser policy (Google Chrome)", "ExtensionInstallBlocklist blocks", "ExtensionInstallAllowlist", false},
		{"ExtensionSettings star blocked", map[string]string{"etc/chromium/policies/managed/a.json": `{"ExtensionSettings":{"*":{"installation_mode":"blocked"}}}`},
			"browser policy (Chromium)", `ExtensionSettings "*" installation_mode "blocked"`, "force_installed", false},
		{"native messaging blocked", map[string]string{"etc/chromium/policies/managed/a.json": `{"NativeMessagingBlocklist":["*"]}`},
			"browser policy (Chromium)", "NativeMessagingBlocklist blocks the native messaging host com.ramsso.host", "NativeMessagingAllowlist", false},
		{"allowlist names another host", map[string]string{"etc/chromium/policies/managed/a.json": `{"NativeMessagingBlocklist":["*"],"NativeMessagingAllowlist":["com.other.host"]}`},
			"browser policy (Chromium)", "NativeMessagingBlocklist", `"com.ramsso.host" to NativeMessagingAllowlist`, false},
		{"user-level hosts off, no system manifest", map[string]string{"etc/chromium/policies/managed/a.json": `{"NativeMessagingUserLevelHosts":false}`},
			"browser policy (Chromium)", "NativeMessagingUserLevelHosts=false", "ramsso install --system", true},
		{"Firefox blocks all add-ons", map[string]string{"etc/firefox/policies/policies.json": `{"policies":{"ExtensionSettings":{"*":{"installation_mode":"blocked"}}}}`},
			"browser policy (Firefox)", "blocks every add-on not listed, ramsso's (ramsso@ramsso.dev)", "force_installed", false},
		{"locked down but admitting ramsso", map[string]string{"etc/chromium/policies/managed/a.json": `{"ExtensionInstallBlocklist":["*"],"ExtensionInstallForcelist":["` + id + `;https://it.example.com/updates.xml"],"NativeMessagingBlocklist":["*"],"NativeMessagingAllowlist":["com.ramsso.host"],"NativeMessagingUserLevelHosts":false}`,
			"etc/firefox/policies/policies.json": `{"policies":{"ExtensionSettings":{"*":{"installation_mode":"blocked"},"ramsso@ramsso.dev":{"installation_mode":"force_installed","install_url":"https://it.example.com/ramsso.xpi"}}}}`},
			"browser policy (Chromium)", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			browserPolicyRoot = root
			t.Cleanup(func() { browserPolicyRoot = "" })
			for p, body := range tc.files {
				full := filepath.Join(root, p)
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if !tc.noSystem {
				sys := filepath.Join(root, "etc/chromium/native-messaging-hosts/com.ramsso.host.json")
				if err := os.MkdirAll(filepath.Dir(sys), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(sys, []byte(`{}`), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			w, hostPath := browserWorld(t)
			if r := w.run("install", "--browser", "chromium", "--host", hostPath); r.code != 0 {
				t.Fatalf("install: %s", r.stderr)
			}
			r := w.run("doctor", "--json", "--browser", "chromium")
			var rep struct {
				Checks []Check `json:"checks"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatalf("doctor --json: %v\n%s", err, r.stdout)
			}
			var got []Check
			for _, c := range rep.Checks {
				if strings.HasPrefix(c.Name, "browser policy") {
					got = append(got, c)
				}
			}
			if tc.detail == "" {
				for _, c := range got {
					if c.Status != CheckOK {
						t.Errorf("a policy admitting ramsso was reported: %+v", c)
					}
				}
				if len(got) != 2 || r.code != 0 {
					t.Errorf("want an ok line for Chromium and Firefox, exit 0; got %+v (exit %d)", got, r.code)
				}
				return
			}
			for _, c := range got {
				if c.Name == tc.check && c.Status == CheckFail && strings.Contains(c.Detail, tc.detail) && strings.Contains(c.Fix, tc.fix) {
					if r.code == 0 {
						t.Error("doctor exits 0 with a blocking policy")
					}
					return
				}
			}
			t.Fatalf("no failing %q naming %q with fix %q in %+v", tc.check, tc.detail, tc.fix, got)
		})
	}
}

// TestDoctorShowsAdminPolicy: doctor lists the admin policy's rules.
func TestDoctorShowsAdminPolicy(t *testing.T) {
	w, _ := browserWorld(t)
	path := w.writePolicy(map[string]any{"forbidCredentialsServer": true, "maxDuration": "4h"})
	r := w.run("doctor", "--json")
	var rep struct {
		Checks []Check `json:"checks"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("doctor --json: %v\n%s", err, r.stdout)
	}
	for _, c := range rep.Checks {
		if c.Name == "admin policy" {
			if !strings.Contains(c.Detail, path) || !strings.Contains(c.Detail, "ramsso serve forbidden") || !strings.Contains(c.Detail, "capped at 4h0m0s") {
				t.Errorf("admin policy line %q", c.Detail)
			}
			return
		}
	}
	t.Fatalf("no admin policy check in %+v", rep.Checks)
}
