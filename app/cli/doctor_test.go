package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ramsso/ramsso/host"
	"github.com/ramsso/ramsso/internal/browsers"
	"github.com/ramsso/ramsso/internal/version"
)

// The test binary acts as ramsso-host when doctor spawns it.
func init() {
	if os.Getenv("RAMSSO_CLI_TEST_HOST") == "1" {
		os.Exit(host.Main(os.Args[1:], version.Version, host.Hooks{}))
	}
}

// browserWorld is a world whose RAMSSO_HOME is the default one under HOME
// (what the host sees), with Chromium "installed" (its config dir) and
// ramsso-host (this test binary) at bin/ramsso-host.
func browserWorld(t *testing.T) (*world, string) {
	t.Helper()
	t.Setenv("RAMSSO_CLI_TEST_HOST", "1")
	w := newWorld(t)
	home := filepath.Join(w.env["HOME"], ".config", "ramsso")
	w.home = home
	w.env["RAMSSO_HOME"] = home
	delete(w.env, "RAMSSO_STORE")
	delete(w.env, "RAMSSO_STS_ENDPOINT")
	w.writeDoctorSettings(map[string]any{"store": "file", "sts": map[string]any{"endpoint": w.stsURL}})
	if err := os.MkdirAll(filepath.Join(w.env["HOME"], ".config", "chromium"), 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(w.workdir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	hostPath := filepath.Join(bin, "ramsso-host")
	if err := os.Symlink(os.Args[0], hostPath); err != nil {
		t.Fatal(err)
	}
	return w, hostPath
}

func (w *world) writeDoctorSettings(v map[string]any) {
	w.t.Helper()
	if err := os.MkdirAll(w.home, 0o700); err != nil {
		w.t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	if err := os.WriteFile(filepath.Join(w.home, "settings.json"), b, 0o600); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) chromiumManifest() string {
	return filepath.Join(w.env["HOME"], ".config", "chromium", "NativeMessagingHosts", browsers.HostName+".json")
}

func TestInstallAndUninstall(t *testing.T) {
	w, hostPath := browserWorld(t)
	foreign := filepath.Join(w.env["HOME"], ".mozilla", "native-messaging-hosts", browsers.HostName+".json")
	if err := os.MkdirAll(filepath.Dir(foreign), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(foreign, []byte(`{"name":"com.ramsso.host","path":"/opt/other/tool","type":"stdio"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r := w.run("install", "--host", hostPath)
	if r.code != 0 || !strings.Contains(r.stdout, "✓ Chromium: wrote") || !strings.Contains(r.stdout, "✓ Firefox: wrote") {
		t.Fatalf("install: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	m, err := browsers.ReadManifest(w.chromiumManifest())
	if err != nil || m.Path != hostPath || m.AllowedOrigins[0] != browsers.Origin(browsers.ChromeExtensionID) {
		t.Fatalf("manifest %+v %v", m, err)
	}
	if fi, _ := os.Stat(w.chromiumManifest()); fi.Mode().Perm() != 0o644 {
		t.Errorf("manifest mode %v", fi.Mode())
	}
	// Firefox's file was ours after install (overwritten); make it foreign again.
	if err := os.WriteFile(foreign, []byte(`{"name":"com.other.host","path":"/opt/other/tool","type":"stdio"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r = w.run("install", "--uninstall")
	if r.code != 0 || !strings.Contains(r.stdout, "✓ Chromium: removed") || !strings.Contains(r.stdout, "! Firefox: left") {
		t.Fatalf("uninstall: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(w.chromiumManifest()); err == nil {
		t.Error("chromium manifest still there")
	}
	if _, err := os.Stat(foreign); err != nil {
		t.Error("foreign manifest removed")
	}

	udd := filepath.Join(w.workdir, "profile")
	if r := w.run("install", "--user-data-dir", udd, "--host", hostPath); r.code != 0 {
		t.Fatalf("user-data-dir: %s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(udd, "NativeMessagingHosts", browsers.HostName+".json")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"install", "--browser", "netscape"}, "unknown browser"},
		{[]string{"install", "--host", filepath.Join(w.workdir, "nope", "ramsso-host")}, "make build"},
		{[]string{"install", "--browser", "firefox", "--user-data-dir", udd}, "Chrome-family"},
	} {
		r := w.run(tc.args...)
		if r.code == 0 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: %d %q", tc.args, r.code, r.stderr)
		}
	}
}

func TestDoctor(t *testing.T) {
	type breaker func(t *testing.T, w *world, hostPath string)
	writeManifest := func(t *testing.T, w *world, m browsers.Manifest) {
		b, _ := json.Marshal(m)
		if err := os.WriteFile(w.chromiumManifest(), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name     string
		brk      breaker
		check    string // the failing check's name
		remedy   string // text of the fix
		wantCode int
	}{
		{name: "healthy", wantCode: 0},
		{name: "missing manifest", check: "manifest chromium", remedy: "ramsso install", wantCode: 1,
			brk: func(t *testing.T, w *world, _ string) { os.Remove(w.chromiumManifest()) }},
		{name: "wrong path", check: "manifest chromium", remedy: "make build", wantCode: 1,
			brk: func(t *testing.T, w *world, _ string) {
				writeManifest(t, w, browsers.NewManifest(browsers.Chromium, "/nonexistent/ramsso-host", nil))
			}},
		{name: "non-executable host", check: "manifest chromium", remedy: "chmod 755", wantCode: 1,
			brk: func(t *testing.T, w *world, _ string) {
				p := filepath.Join(w.workdir, "noexec", "ramsso-host")
				os.MkdirAll(filepath.Dir(p), 0o755)
				os.WriteFile(p, []byte("x"), 0o644)
				writeManifest(t, w, browsers.NewManifest(browsers.Chromium, p, nil))
			}},
		{name: "foreign id", check: "manifest chromium", remedy: "ramsso install", wantCode: 1,
			brk: func(t *testing.T, w *world, hostPath string) {
				m := browsers.NewManifest(browsers.Chromium, hostPath, nil)
				m.AllowedOrigins = []string{browsers.Origin("abcdefghijklmnopabcdefghijklmnop")}
				writeManifest(t, w, m)
			}},
		{name: "host does not answer", check: "host binary", remedy: "make build", wantCode: 1,
			brk: func(t *testing.T, w *world, _ string) {
				p := filepath.Join(w.workdir, "mute", "ramsso-host")
				os.MkdirAll(filepath.Dir(p), 0o755)
				os.WriteFile(p, []byte("#!/bin/sh\nexit 0\n"), 0o755)
				writeManifest(t, w, browsers.NewManifest(browsers.Chromium, p, nil))
			}},
		{name: "malformed settings", check: "settings", remedy: "settings.json", wantCode: 1,
			brk: func(t *testing.T, w *world, _ string) {
				os.WriteFile(filepath.Join(w.home, "settings.json"), []byte(`{"store": `), 0o600)
			}},
		{name: "home open to others", check: "home", remedy: "chmod 700", wantCode: 1,
			brk: func(t *testing.T, w *world, _ string) { os.Chmod(w.home, 0o755) }},
		{name: "keyring fallback recorded", check: "store", remedy: "--clear-fallback", wantCode: 1,
			brk: func(t *testing.T, w *world, _ string) {
				w.writeDoctorSettings(map[string]any{"sts": map[string]any{"endpoint": w.stsURL}})
				os.WriteFile(filepath.Join(w.home, "store-fallback"), []byte(`{"reason":"no Secret Service"}`), 0o600)
			}},
		{name: "unreachable endpoint", check: "sts endpoint", remedy: "\"sts\"", wantCode: 1,
			brk: func(t *testing.T, w *world, _ string) {
				w.writeDoctorSettings(map[string]any{"store": "file", "sts": map[string]any{"endpoint": "http://127.0.0.1:1"}})
			}},
		{name: "sts vpc in a region without one", check: "sts vpc", remedy: `"vpc": false`, wantCode: 1,
			brk: func(t *testing.T, w *world, _ string) {
				w.writeDoctorSettings(map[string]any{"store": "file", "sts": map[string]any{"region": "me-east-1", "vpc": true}})
			}},
		{name: "DEBUG=sdk", check: "DEBUG", remedy: "unset DEBUG", wantCode: 1,
			brk: func(t *testing.T, w *world, _ string) { w.env["DEBUG"] = "sdk,other" }},
		{name: "External profile with written-back keys", check: "aliyun config", remedy: "ramsso serve", wantCode: 1,
			brk: func(t *testing.T, w *world, _ string) {
				writeAliyun(t, w, "", map[string]any{"name": "p", "mode": "External", "process_command": "/usr/bin/ramsso process p",
					"access_key_id": "STS.x", "sts_token": "t"})
			}},
		{name: "External profile warns only", check: "aliyun config", remedy: "ramsso serve", wantCode: 0,
			brk: func(t *testing.T, w *world, _ string) {
				writeAliyun(t, w, "", map[string]any{"name": "p", "mode": "External", "process_command": "/usr/bin/ramsso process p"})
			}},
		{name: "ramsso External profile is current", check: "aliyun config", remedy: "--set-current", wantCode: 1,
			brk: func(t *testing.T, w *world, _ string) {
				writeAliyun(t, w, "p", map[string]any{"name": "p", "mode": "External", "process_command": "/usr/bin/ramsso process p"})
			}},
		{name: "login URL not https", check: "login URLs", remedy: "https://", wantCode: 1,
			brk: func(t *testing.T, w *world, _ string) {
				w.writeDoctorSettings(map[string]any{"store": "file", "sts": map[string]any{"endpoint": w.stsURL},
					"idpLoginURLs": map[string]string{"p": "--new-instance=file:///etc/shadow"}})
			}},
		{name: "CLI and SDKs read different files", check: "aliyun config", remedy: "unset ALIBABA_CLOUD_CONFIG_FILE", wantCode: 0,
			brk: func(t *testing.T, w *world, _ string) { w.env["ALIBABA_CLOUD_CONFIG_FILE"] = "/srv/other.json" }},
		{name: "credentials URI shadowed by config.json", check: "sdk credentials", remedy: "ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true", wantCode: 0,
			brk: func(t *testing.T, w *world, _ string) {
				writeAliyun(t, w, "p", map[string]any{"name": "p", "mode": "AK", "access_key_id": "LTAIx", "access_key_secret": "s"})
				w.env["ALIBABA_CLOUD_CREDENTIALS_URI"] = "http://127.0.0.1:20000/t/p"
			}},
		{name: "shell sets what the host will not see", check: "host environment", remedy: `"proxy": "http://127.0.0.1:3128"`, wantCode: 0,
			brk: func(t *testing.T, w *world, _ string) { w.env["HTTPS_PROXY"] = "http://127.0.0.1:3128" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, hostPath := browserWorld(t)
			if r := w.run("install", "--browser", "chromium", "--host", hostPath); r.code != 0 {
				t.Fatalf("install: %s", r.stderr)
			}
			if tc.brk != nil {
				tc.brk(t, w, hostPath)
			}
			r := w.run("doctor", "--json", "--browser", "chromium")
			if r.code != tc.wantCode {
				t.Fatalf("exit %d, want %d\n%s%s", r.code, tc.wantCode, r.stdout, r.stderr)
			}
			var rep struct {
				OK     bool    `json:"ok"`
				Checks []Check `json:"checks"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatalf("doctor --json: %v\n%s", err, r.stdout)
			}
			if rep.OK != (tc.wantCode == 0) {
				t.Errorf("ok = %v", rep.OK)
			}
			if tc.check == "" {
				for _, c := range rep.Checks {
					if c.Status == CheckFail {
						t.Errorf("healthy setup fails %s: %s", c.Name, c.Detail)
					}
					if c.Name == "host binary" && c.Status != CheckOK {
						t.Errorf("host ping: %+v", c)
					}
				}
				return
			}
			want := CheckFail
			if tc.wantCode == 0 {
				want = CheckWarn
			}
			for _, c := range rep.Checks {
				if c.Name == tc.check && c.Status == want && strings.Contains(c.Fix, tc.remedy) {
					return
				}
			}
			t.Fatalf("no %s %q with fix %q in %+v", want, tc.check, tc.remedy, rep.Checks)
		})
	}
	// The text output marks problems and names the fix.
	w, hostPath := browserWorld(t)
	w.run("install", "--browser", "chromium", "--host", hostPath)
	w.env["DEBUG"] = "sdk"
	r := w.run("doctor", "--browser", "chromium")
	if r.code == 0 || !strings.Contains(r.stdout, "✗ DEBUG") || !strings.Contains(r.stdout, "    fix: unset DEBUG") || !strings.Contains(r.stdout, "✓ host binary") {
		t.Fatalf("text output:\n%s", r.stdout)
	}
}

func writeAliyun(t *testing.T, w *world, current string, profile map[string]any) {
	t.Helper()
	p := filepath.Join(w.env["HOME"], ".aliyun", "config.json")
	os.MkdirAll(filepath.Dir(p), 0o700)
	b, _ := json.Marshal(map[string]any{"current": current, "profiles": []any{profile}})
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestInstallRefusesReplaceableHost: the browser runs the host binary, so
// one that another user can replace is not registered, and doctor fails it.
func TestInstallRefusesReplaceableHost(t *testing.T) {
	w, hostPath := browserWorld(t)
	if err := os.Chmod(hostPath, 0o777); err != nil {
		t.Fatal(err)
	}
	r := w.run("install", "--browser", "chromium", "--host", hostPath)
	if r.code == 0 || !strings.Contains(r.stderr, "writable by other users") {
		t.Fatalf("install with a 0777 host: %d %s", r.code, r.stderr)
	}
	if err := os.Chmod(hostPath, 0o755); err != nil {
		t.Fatal(err)
	}
	if r := w.run("install", "--browser", "chromium", "--host", hostPath); r.code != 0 {
		t.Fatalf("install: %s", r.stderr)
	}
	if err := os.Chmod(filepath.Dir(hostPath), 0o777); err != nil {
		t.Fatal(err)
	}
	r = w.run("doctor", "--json", "--browser", "chromium")
	if r.code == 0 || !strings.Contains(r.stdout, "writable by other users") {
		t.Fatalf("doctor with the host in a 0777 directory: %d %s", r.code, r.stdout)
	}
}

// TestDoctorShowsSigninHostPerSite: doctor says which federation host each
// site uses and which setting chose it.
func TestDoctorShowsSigninHostPerSite(t *testing.T) {
	w, hostPath := browserWorld(t)
	if r := w.run("install", "--browser", "chromium", "--host", hostPath); r.code != 0 {
		t.Fatalf("install: %s", r.stderr)
	}
	w.writeDoctorSettings(map[string]any{"store": "file", "sts": map[string]any{"endpoint": w.stsURL},
		"signinEndpoints": map[string]any{"international": "https://signin-intl.aliyun.com"}})
	r := w.run("doctor", "--json", "--browser", "chromium")
	var rep struct {
		Checks []Check `json:"checks"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("doctor --json: %v\n%s", err, r.stdout)
	}
	for _, c := range rep.Checks {
		if c.Name == "console sign-in" {
			for _, want := range []string{"china: https://signin.aliyun.com (the default", `international: https://signin-intl.aliyun.com (the "signinEndpoints.international" setting)`} {
				if !strings.Contains(c.Detail, want) {
					t.Errorf("console sign-in check %q lacks %q", c.Detail, want)
				}
			}
			return
		}
	}
	t.Fatalf("no console sign-in check in %+v", rep.Checks)
}
