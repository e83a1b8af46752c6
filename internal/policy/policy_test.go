package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMergeOnlyTightens: the extra file (RAMSSO_POLICY_FILE, which a user
// can set) never loosens the system file.
func TestMergeOnlyTightens(t *testing.T) {
	sys := &Policy{AllowedIssuers: []string{"a", "b"}, ForbidFileStore: true, MaxDuration: "2h", maxDur: 2 * time.Hour, Sources: []string{"sys"}}
	tests := []struct {
		name  string
		extra *Policy
		check func(*Policy) bool
	}{
		{"empty extra keeps everything", &Policy{}, func(p *Policy) bool {
			return p.ForbidFileStore && p.maxDur == 2*time.Hour && len(p.AllowedIssuers) == 2
		}},
		{"wider issuer list intersects", &Policy{AllowedIssuers: []string{"b", "c"}}, func(p *Policy) bool {
			return len(p.AllowedIssuers) == 1 && p.AllowedIssuers[0] == "b"
		}},
		{"disjoint issuer lists allow nothing", &Policy{AllowedIssuers: []string{"z"}}, func(p *Policy) bool {
			return p.CheckAssertion("a", "1") != nil && p.CheckAssertion("z", "1") != nil
		}},
		{"longer cap loses", &Policy{maxDur: 12 * time.Hour}, func(p *Policy) bool { return p.maxDur == 2*time.Hour }},
		{"shorter cap wins", &Policy{maxDur: time.Hour}, func(p *Policy) bool { return p.maxDur == time.Hour }},
		{"prohibitions add", &Policy{ForbidCredentialsServer: true}, func(p *Policy) bool {
			return p.ForbidFileStore && p.ForbidCredentialsServer
		}},
	}
	for _, tc := range tests {
		if got := Merge(sys, tc.extra); !tc.check(got) {
			t.Errorf("%s: %+v", tc.name, got)
		}
	}
}

func TestChecks(t *testing.T) {
	p := &Policy{AllowedIssuers: []string{"https://idp"}, AllowedAccounts: []string{"111"}, ForbidFileStore: true,
		ForbidPlaintextProfiles: true, ForbidCredentialsServer: true, maxDur: 4 * time.Hour, Sources: []string{"/etc/ramsso/policy.json"}}
	for _, err := range []error{p.CheckAssertion("https://other", "111"), p.CheckAssertion("https://idp", "222"),
		p.CheckStore("file"), p.CheckPlaintextProfiles(), p.CheckCredentialsServer()} {
		if !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), "/etc/ramsso/policy.json") {
			t.Errorf("refusal %v: want ErrForbidden naming the file", err)
		}
	}
	if err := p.CheckAssertion("https://idp", "111"); err != nil {
		t.Errorf("allowed assertion refused: %v", err)
	}
	if err := p.CheckStore("keyring"); err != nil {
		t.Errorf("keyring refused: %v", err)
	}
	for _, tc := range []struct {
		in, want time.Duration
		capped   bool
	}{{0, 0, false}, {time.Hour, time.Hour, false}, {12 * time.Hour, 4 * time.Hour, true}} {
		if got, c := p.CapDuration(tc.in); got != tc.want || c != tc.capped {
			t.Errorf("CapDuration(%v) = %v, %v", tc.in, got, c)
		}
	}
	if got, c := (&Policy{maxDur: 30 * time.Minute}).CapDuration(0); got != 30*time.Minute || !c {
		t.Errorf("a cap under STS's 1 h default must cap the default too: %v %v", got, c)
	}
	var none *Policy
	if none.CheckStore("file") != nil || none.CheckCredentialsServer() != nil || len(none.Summary()) != 0 {
		t.Error("a nil policy refused something")
	}
}

func TestLoad(t *testing.T) {
	if p, err := Load(filepath.Join(t.TempDir(), "absent.json"), ""); err != nil || p.Active() {
		t.Fatalf("missing system file: %+v, %v", p, err)
	}
	extra := write(t, "extra.json", `{"forbidCredentialsServer": true, "maxDuration": 7200}`)
	p, err := Load("", extra)
	if err != nil || !p.ForbidCredentialsServer || p.MaxDurationValue() != 2*time.Hour {
		t.Fatalf("extra file: %+v, %v", p, err)
	}
	for name, body := range map[string]string{
		"unknown key":  `{"forbidFileStor": true}`,
		"bad json":     `{`,
		"bad duration": `{"maxDuration": "soon"}`,
	} {
		if _, err := Load("", write(t, "p.json", body)); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if _, err := Load("", filepath.Join(t.TempDir(), "nope.json")); err == nil || !strings.Contains(err.Error(), EnvFile) {
		t.Errorf("a missing RAMSSO_POLICY_FILE must be an error naming it: %v", err)
	}
}

// TestSystemFileOwner: a system policy that a non-root user owns, or that
// group or others may write, is refused (fail closed): anyone who could
// edit it could loosen it.
func TestSystemFileOwner(t *testing.T) {
	p := write(t, "policy.json", `{"forbidFileStore": true}`)
	if os.Geteuid() == 0 {
		if _, err := Load(p, ""); err != nil {
			t.Fatalf("root-owned 0644 policy refused: %v", err)
		}
		if err := os.Chmod(p, 0o666); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(p, ""); err == nil || !strings.Contains(err.Error(), "writable by no one else") {
			t.Errorf("world-writable system policy accepted: %v", err)
		}
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Load(p, ""); err == nil || !strings.Contains(err.Error(), "root's") {
		t.Errorf("system policy owned by a user accepted: %v", err)
	}
}

func TestSystemPath(t *testing.T) {
	for goos, want := range map[string]string{"linux": "/etc/ramsso/policy.json", "darwin": "/Library/Application Support/ramsso/policy.json", "windows": `C:\ProgramData\ramsso\policy.json`} {
		if got := SystemPath(goos, ""); got != want {
			t.Errorf("%s: %s, want %s", goos, got, want)
		}
	}
}
