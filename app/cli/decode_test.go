package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/standin/testidp"
)

func TestDecodeCommand(t *testing.T) {
	w := newWorld(t)
	file := w.response(testidp.Options{Roles: []string{roleValue(roleAdmin, provider), roleValue(roleDev, provider2)}, SessionName: "alice", Lifetime: 10 * time.Minute})
	r := w.run("decode", file, "--json")
	if r.code != 0 {
		t.Fatalf("decode --json: %d %s", r.code, r.stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"issuer", "subject", "subjectFormat", "destination", "recipient", "audiences", "site", "notBefore", "notOnOrAfter", "sessionNotOnOrAfter", "expired", "sessionName", "sessionDuration", "signed", "roles"} {
		if _, ok := got[k]; !ok {
			t.Errorf("decode --json lacks %q", k)
		}
	}
	if got["site"] != "china" || got["sessionName"] != "alice" || got["expired"] != false {
		t.Errorf("decode --json = %v", got)
	}
	roles, _ := got["roles"].([]any)
	if len(roles) != 2 || roles[1].(map[string]any)["roleArn"] != roleDev {
		t.Errorf("roles = %v", roles)
	}

	r = w.run("decode", file)
	if r.code != 0 || !strings.Contains(r.stdout, "Roles (2):") || !strings.Contains(r.stdout, acct2+"/dev") {
		t.Errorf("decode: %d %s", r.code, r.stdout)
	}

	// failures: a JSON error object on stdout, one line on stderr, non-zero
	w.stdin = "this is not base64 !!!"
	r = w.run("decode", "--json")
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &e); err != nil || r.code == 0 || e.Error.Code != "invalid_encoding" || e.Error.Message == "" {
		t.Errorf("bad input --json: %d %q %v", r.code, r.stdout, err)
	}
	w.stdin = "<notsaml/>"
	if r = w.run("decode"); r.code == 0 || !strings.HasPrefix(r.stderr, "ramsso: ") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("bad xml: %d %q", r.code, r.stderr)
	}
	w.stdin = strings.Repeat("A", saml.MaxInputBytes+10)
	if r = w.run("decode", "--json"); r.code == 0 || !strings.Contains(r.stdout, "too_large") {
		t.Errorf("huge input: %d %.200s", r.code, r.stdout)
	}
}

func TestUsageErrors(t *testing.T) {
	w := newWorld(t)
	for _, args := range [][]string{{"nosuchcmd"}, {"env"}, {"list", "--bogus"}, {"process", "a", "b"}} {
		r := w.run(args...)
		if r.code != 2 || !strings.HasPrefix(r.stderr, "ramsso: ") {
			t.Errorf("%v: code %d, stderr %q", args, r.code, r.stderr)
		}
	}
	// A failure whose message merely reads like cobra's is not a usage
	// error (usage is typed, not matched on strings).
	if r := w.run("env", "accepts x"); r.code != 1 || !strings.Contains(r.stderr, "accepts x") {
		t.Errorf("env of a missing profile: code %d, stderr %q", r.code, r.stderr)
	}
	if r := w.run("--help"); r.code != 0 || !strings.Contains(r.stdout, "assume") {
		t.Errorf("--help: %d", r.code)
	}
	if r := w.run("completion", "bash"); r.code != 0 || !strings.Contains(r.stdout, "ramsso") {
		t.Errorf("completion bash: %d", r.code)
	}
}

// TestDecodeEscapesUnverifiedFields: an assertion's Subject with a newline
// or a bidi override used to spoof lines in decode's human output.
func TestDecodeEscapesUnverifiedFields(t *testing.T) {
	w := newWorld(t)
	file := w.response(testidp.Options{Roles: []string{roleValue("acs:ram::"+acct1+":role/adm\u202enimda", provider)},
		Subject: "eve@example.com\nIssuer:        https://idp.good.example", SessionName: "eve\u009b2J"})
	r := w.run("decode", file)
	if r.code != 0 {
		t.Fatalf("decode: %d %s", r.code, r.stderr)
	}
	for _, bad := range []string{"\nIssuer:        https://idp.good", "\u202e", "\u009b"} {
		if strings.Contains(r.stdout, bad) {
			t.Errorf("decode printed %q raw:\n%s", bad, r.stdout)
		}
	}
	for _, want := range []string{`eve@example.com\nIssuer:`, `\u{202E}`, `eve\u{009B}2J`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("decode output lacks the escape %q:\n%s", want, r.stdout)
		}
	}
}
