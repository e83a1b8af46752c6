package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aliyun/credentials-go/credentials/providers"
)

// TestCredentialsGoExternalProfile has the real credentials-go, with a
// temporary HOME, resolve credentials through an aliyun CLI External profile
// whose process_command runs `ramsso process` (this test binary acting as
// ramsso).
func TestCredentialsGoExternalProfile(t *testing.T) {
	w := newWorld(t)
	r := w.run("assume", "--saml", w.response(w.roles(roleValue(roleAdmin, provider))), "--output", "json")
	if r.code != 0 {
		t.Fatalf("assume: %s", r.stderr)
	}
	var want map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &want); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	profile := acct1 + "-admin"
	cfg := map[string]any{
		"current": "ramsso",
		"profiles": []map[string]any{{
			"name": "ramsso", "mode": "External", "region_id": "cn-hangzhou",
			"process_command": exe + " process " + profile,
		}},
		"meta_path": "",
	}
	home := w.env["HOME"]
	if err := os.MkdirAll(filepath.Join(home, ".aliyun"), 0o700); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(cfg)
	if err := os.WriteFile(filepath.Join(home, ".aliyun", "config.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	t.Setenv("ALIBABA_CLOUD_CONFIG_FILE", "")
	t.Setenv("ALIBABA_CLOUD_PROFILE", "ramsso")
	t.Setenv("RAMSSO_CLI_TEST_MAIN", "1")
	for k, v := range w.env {
		if k != "HOME" {
			t.Setenv(k, v)
		}
	}
	p, err := providers.NewCLIProfileCredentialsProviderBuilder().Build()
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.GetCredentials()
	if err != nil {
		t.Fatalf("credentials-go: %v", err)
	}
	if got.AccessKeyId != want["AccessKeyId"] || got.AccessKeySecret != want["AccessKeySecret"] || got.SecurityToken != want["SecurityToken"] {
		t.Fatalf("credentials-go got %s, want the session's keys", got.AccessKeyId)
	}
	// credentials-go writes the keys back into config.json: the reason
	// External profiles are for the aliyun CLI only (see README).
	after, _ := os.ReadFile(filepath.Join(home, ".aliyun", "config.json"))
	if !bytes.Contains(after, []byte(want["AccessKeyId"])) {
		t.Log("credentials-go no longer writes External credentials back; the README's warning can be relaxed")
	}
}
