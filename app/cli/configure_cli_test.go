package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigureCLIKeepsUsersProfile is issue 8's reproduction: an AK
// profile the user made under ramsso's profile name used to become External
// and lose its keys.
func TestConfigureCLIKeepsUsersProfile(t *testing.T) {
	w := newWorld(t)
	w.assumeAdmin()
	profile := acct1 + "-admin"
	users := `{"profiles":[{"name":"` + profile + `","mode":"AK","access_key_id":"LTAI-USER","access_key_secret":"USER-SECRET","region_id":"cn-shanghai"}],"meta_path":""}`
	if err := os.MkdirAll(filepath.Dir(w.aliyunConfig()), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.aliyunConfig(), []byte(users), 0o644); err != nil {
		t.Fatal(err)
	}
	r := w.run("configure-cli")
	if r.code == 0 || !strings.Contains(r.stderr, "--name") || !strings.Contains(r.stderr, "--force") || strings.Count(r.stderr, "\n") != 1 {
		t.Fatalf("configure-cli over the user's profile: %d %q", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(w.aliyunConfig()); string(b) != users {
		t.Fatalf("user's profile changed: %s", b)
	}
	// Another name, made current only when asked.
	r = w.run("configure-cli", profile, "--name", "ramsso-admin")
	if r.code != 0 {
		t.Fatalf("--name: %s", r.stderr)
	}
	b, _ := os.ReadFile(w.aliyunConfig())
	if !strings.Contains(string(b), "LTAI-USER") || !strings.Contains(string(b), `"ramsso-admin"`) || strings.Contains(string(b), `"current"`) {
		t.Fatalf("after --name: %s", b)
	}
	if r = w.run("configure-cli", profile, "--name", "ramsso-admin", "--set-current"); r.code != 0 || !strings.Contains(mustRead(t, w.aliyunConfig()), `"current": "ramsso-admin"`) {
		t.Fatalf("--set-current: %s %s", r.stderr, mustRead(t, w.aliyunConfig()))
	}
	// --force: backup first, then the replacement; the secret-holding file is now 0600.
	r = w.run("configure-cli", "--force")
	if r.code != 0 || !strings.Contains(r.stderr, "backed up") || !strings.Contains(r.stderr, "replaced aliyun CLI profile") {
		t.Fatalf("--force: %d %s", r.code, r.stderr)
	}
	backups, _ := filepath.Glob(w.aliyunConfig() + ".ramsso-backup-*")
	if len(backups) != 1 || !strings.Contains(mustRead(t, backups[0]), "USER-SECRET") {
		t.Fatalf("backups %v", backups)
	}
	if fi, _ := os.Stat(backups[0]); fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v", fi.Mode().Perm())
	}
}

// TestConfigureCLIPlaintextOwnerOnly: --plaintext into a 0644 config.json
// used to leave the STS secret world-readable.
func TestConfigureCLIPlaintextOwnerOnly(t *testing.T) {
	w := newWorld(t)
	w.assumeAdmin()
	if err := os.MkdirAll(filepath.Dir(w.aliyunConfig()), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.aliyunConfig(), []byte(`{"profiles":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r := w.run("configure-cli", "--plaintext")
	if r.code != 0 || strings.Count(r.stderr, "owner-only") != 1 {
		t.Fatalf("--plaintext: %d %s", r.code, r.stderr)
	}
	if fi, _ := os.Stat(w.aliyunConfig()); fi.Mode().Perm() != 0o600 {
		t.Fatalf("config.json mode %v with a secret in it", fi.Mode().Perm())
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
