package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writePolicy writes an admin policy file and points RAMSSO_POLICY_FILE at
// it (a test cannot write /etc/ramsso; the extra file merges the same way).
func (w *world) writePolicy(p map[string]any) string {
	w.t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		w.t.Fatal(err)
	}
	path := filepath.Join(w.workdir, "policy.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		w.t.Fatal(err)
	}
	w.env["RAMSSO_POLICY_FILE"] = path
	return path
}

// TestAdminPolicyRefuses: every rule of the admin policy refuses what it
// forbids, with one line naming the policy file, and stores nothing.
func TestAdminPolicyRefuses(t *testing.T) {
	tests := []struct {
		name   string
		policy map[string]any
		env    map[string]string
		args   func(w *world) []string
		want   string
	}{
		{"issuer not allowed", map[string]any{"allowedIssuers": []string{"https://idp.corp.example/other"}}, nil,
			func(w *world) []string {
				return []string{"assume", "--saml", w.response(w.roles(roleValue(roleAdmin, provider)))}
			},
			`a sign-in from IdP "https://idp.example.com/app/ramsso" is forbidden by the administrator's policy`},
		{"account not allowed", map[string]any{"allowedAccounts": []string{acct2}}, nil,
			func(w *world) []string {
				return []string{"assume", "--saml", w.response(w.roles(roleValue(roleAdmin, provider)))}
			},
			"a role in account " + acct1 + " is forbidden"},
		{"file store", map[string]any{"forbidFileStore": true}, nil,
			func(w *world) []string {
				return []string{"assume", "--saml", w.response(w.roles(roleValue(roleAdmin, provider)))}
			},
			"the plaintext file store"},
		{"credentials server", map[string]any{"forbidCredentialsServer": true}, nil,
			func(w *world) []string { return []string{"serve"} },
			"the credentials server (ramsso serve) is forbidden"},
		{"bad policy file", map[string]any{"maxDuration": "forever"}, nil,
			func(w *world) []string { return []string{"serve"} },
			"maxDuration"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			path := w.writePolicy(tc.policy)
			r := w.run(tc.args(w)...)
			if r.code == 0 || !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, path) {
				t.Fatalf("code %d, stderr %q; want a refusal %q naming %s", r.code, r.stderr, tc.want, path)
			}
			if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n > 0 {
				t.Errorf("refusal is %d lines, want one: %q", n+1, r.stderr)
			}
			delete(w.env, "RAMSSO_POLICY_FILE")
			if r := w.run("list", "--json"); strings.Contains(r.stdout, "roleArn") {
				t.Errorf("a refused command stored a session: %s", r.stdout)
			}
		})
	}
}

// TestAdminPolicyPlaintextProfiles: configure-cli --plaintext is refused,
// and the External profile (no keys in config.json) still works.
func TestAdminPolicyPlaintextProfiles(t *testing.T) {
	w := newWorld(t)
	if r := w.run("assume", "--saml", w.response(w.roles(roleValue(roleAdmin, provider)))); r.code != 0 {
		t.Fatalf("assume: %s", r.stderr)
	}
	w.writePolicy(map[string]any{"forbidPlaintextProfiles": true})
	cfg := filepath.Join(w.workdir, "aliyun.json")
	w.env["ALIBABA_CLOUD_CONFIG_FILE"] = cfg
	r := w.run("configure-cli", "--plaintext")
	if r.code == 0 || !strings.Contains(r.stderr, "--plaintext) is forbidden") {
		t.Fatalf("configure-cli --plaintext: code %d stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(cfg); err == nil {
		t.Error("the refused --plaintext wrote config.json")
	}
	if r := w.run("configure-cli"); r.code != 0 {
		t.Errorf("configure-cli (External): code %d stderr %q", r.code, r.stderr)
	}
}

// TestAdminPolicyCapsDuration: a 12 h request under a 2 h cap gets a 2 h
// session and says why; the user's defaultDuration cannot loosen it.
func TestAdminPolicyCapsDuration(t *testing.T) {
	w := newWorld(t)
	if err := os.MkdirAll(w.home, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(w.home, "settings.json"), []byte(`{"defaultDuration":"12h"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	w.writePolicy(map[string]any{"maxDuration": "2h", "allowedIssuers": []string{"https://idp.example.com/app/ramsso"}})
	for _, args := range [][]string{{"--duration", "12h"}, {}} {
		r := w.run(append([]string{"assume", "--output", "json", "--saml", w.response(w.roles(roleValue(roleAdmin, provider)))}, args...)...)
		if r.code != 0 {
			t.Fatalf("assume %v: %s", args, r.stderr)
		}
		var got map[string]string
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatal(err)
		}
		exp, _ := time.Parse(time.RFC3339, got["Expiration"])
		if d := time.Until(exp); d < 115*time.Minute || d > 121*time.Minute {
			t.Errorf("assume %v: session lasts %s, want the policy's 2h", args, d)
		}
		if !strings.Contains(r.stderr, "policy caps sessions at 2h") {
			t.Errorf("assume %v: stderr %q does not say the policy capped it", args, r.stderr)
		}
	}
}
