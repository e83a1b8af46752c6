package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/standin/emulator"
)

func TestEnvExportsExpiration(t *testing.T) {
	w := newWorld(t)
	keys := w.assumeAdmin()
	profile := acct1 + "-admin"
	r := w.run("env", profile, "--format", "json")
	var vars map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &vars); err != nil {
		t.Fatalf("env json: %v %q", err, r.stdout)
	}
	if vars["RAMSSO_EXPIRATION"] != keys["Expiration"] {
		t.Errorf("RAMSSO_EXPIRATION = %q, want the session's %q", vars["RAMSSO_EXPIRATION"], keys["Expiration"])
	}
	if _, err := time.Parse(time.RFC3339, vars["RAMSSO_EXPIRATION"]); err != nil || !strings.HasSuffix(vars["RAMSSO_EXPIRATION"], "Z") {
		t.Errorf("not RFC 3339 UTC: %q", vars["RAMSSO_EXPIRATION"])
	}
	r = w.run("exec", profile, "--", "sh", "-c", `printf %s "$RAMSSO_EXPIRATION"`)
	if r.code != 0 || r.stdout != keys["Expiration"] {
		t.Errorf("exec: %d %q %s", r.code, r.stdout, r.stderr)
	}
}

func TestRmExpiredAndAll(t *testing.T) {
	w := newWorld(t)
	three := w.roles(roleValue(roleAdmin, provider), roleValue(roleReadonly, provider), roleValue(roleDev, provider2))
	for _, role := range []string{"admin", "readonly", "dev"} {
		if r := w.run("assume", "--saml", w.response(three), "--role", role); r.code != 0 {
			t.Fatal(r.stderr)
		}
	}
	w.expire(acct1 + "-readonly")
	profiles := func() string {
		var list []struct{ Profile string }
		_ = json.Unmarshal([]byte(w.run("list", "--json").stdout), &list)
		var names []string
		for _, p := range list {
			names = append(names, p.Profile)
		}
		return strings.Join(names, ",")
	}
	for _, bad := range [][]string{{"rm"}, {"rm", "--all", "--expired"}, {"rm", "x", "--all"}} {
		if r := w.run(bad...); r.code == 0 || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: %d %q", bad, r.code, r.stderr)
		}
	}
	r := w.run("rm", "--expired")
	if r.code != 0 || !strings.Contains(r.stderr, "removed "+acct1+"-readonly") || !strings.Contains(r.stderr, "removed 1 expired") {
		t.Fatalf("rm --expired: %d %s", r.code, r.stderr)
	}
	if got := profiles(); got != acct1+"-admin,"+acct2+"-dev" {
		t.Fatalf("after rm --expired: %s", got)
	}
	if r = w.run("rm", "--expired"); r.code != 0 || !strings.Contains(r.stderr, "removed 0 expired") {
		t.Errorf("second rm --expired: %d %s", r.code, r.stderr)
	}
	if r = w.run("rm", "--all"); r.code != 0 || !strings.Contains(r.stderr, "removed 2 sessions") {
		t.Fatalf("rm --all: %d %s", r.code, r.stderr)
	}
	if got := profiles(); got != "" {
		t.Fatalf("after rm --all: %s", got)
	}
}

func TestForget(t *testing.T) {
	w := newWorld(t)
	st := &capture.State{Home: w.home}
	ctx := context.Background()
	a := saml.Role{RoleArn: roleAdmin, ProviderArn: provider, AccountID: acct1, RoleName: "admin"}
	b := saml.Role{RoleArn: roleDev, ProviderArn: provider2, AccountID: acct2, RoleName: "dev"}
	if err := st.RememberChoice(ctx, "https://idp-one", []saml.Role{a, b}, roleDev); err != nil {
		t.Fatal(err)
	}
	if err := st.RememberChoice(ctx, "https://idp-two\x1b]0;x\x07", []saml.Role{a, b}, roleAdmin); err != nil {
		t.Fatal(err)
	}
	r := w.run("forget", "--list")
	if r.code != 0 || !strings.Contains(r.stdout, "https://idp-one") || !strings.Contains(r.stdout, roleDev) {
		t.Fatalf("forget --list: %d %q %s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "\x1b") {
		t.Errorf("control characters from an Issuer reach the terminal: %q", r.stdout)
	}
	var list []capture.RememberedChoice
	if err := json.Unmarshal([]byte(w.run("forget", "--list", "--json").stdout), &list); err != nil || len(list) != 2 {
		t.Fatalf("--json: %v %v", list, err)
	}
	if r = w.run("__complete", "forget", "https://idp-o"); !strings.Contains(r.stdout, "https://idp-one\n") {
		t.Errorf("completion: %q", r.stdout)
	}
	if r = w.run("forget", "https://nope"); r.code == 0 || !strings.Contains(r.stderr, "forget --list") {
		t.Errorf("unknown IdP: %d %s", r.code, r.stderr)
	}
	if r = w.run("forget", "https://idp-one"); r.code != 0 || !strings.Contains(r.stderr, "forgot 1") {
		t.Fatalf("forget IDP: %d %s", r.code, r.stderr)
	}
	if _, ok, _ := st.RememberedChoice("https://idp-one", []saml.Role{a, b}); ok {
		t.Error("choice survived forget IDP")
	}
	if r = w.run("forget", "--all"); r.code != 0 || !strings.Contains(r.stderr, "forgot 1") {
		t.Fatalf("forget --all: %d %s", r.code, r.stderr)
	}
	if r = w.run("forget"); r.code != 0 || !strings.Contains(r.stderr, "no remembered role choices") {
		t.Errorf("empty list: %d %s", r.code, r.stderr)
	}
}

func TestCompletionAfterExecDash(t *testing.T) {
	w := newWorld(t)
	w.assumeAdmin()
	bin := t.TempDir()
	for _, name := range []string{"terraform", "tfswitch", "notexec"} {
		mode := os.FileMode(0o755)
		if name == "notexec" {
			mode = 0o644
		}
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
	}
	w.env["PATH"] = bin
	profile := acct1 + "-admin"
	tests := []struct {
		args []string
		want string // stdout of __complete
	}{
		{[]string{"exec", ""}, profile + "\t" + roleAdmin + "\n:4\n"},
		{[]string{"exec", profile, ""}, ":4\n"},                             // "--" comes next
		{[]string{"exec", profile, "--", "t"}, "terraform\ntfswitch\n:4\n"}, // commands from PATH
		{[]string{"exec", profile, "--", "n"}, ":4\n"},                      // not executable
		{[]string{"exec", profile, "--", "terraform", "pl"}, ":0\n"},        // the command's arguments: files
		{[]string{"exec", profile, "--", "./scr"}, ":0\n"},
	}
	for _, tt := range tests {
		r := w.run(append([]string{"__complete"}, tt.args...)...)
		got := r.stdout[:strings.LastIndex(r.stdout, "\n")+1] // drop cobra's trailing hint line
		if i := strings.Index(got, "Completion ended"); i >= 0 {
			got = got[:i]
		}
		if got != tt.want {
			t.Errorf("__complete %q = %q, want %q", tt.args, got, tt.want)
		}
	}
}

// TestFishCompletion loads `ramsso completion fish` into the real fish and
// asks it to complete after `exec PROFILE --`.
func TestFishCompletion(t *testing.T) {
	fish, err := exec.LookPath("fish")
	if err != nil {
		t.Fatal("this test needs fish (apt-get install fish)")
	}
	bin, err := ramssoBinary()
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t)
	w.assumeAdmin()
	tools := t.TempDir()
	if err := os.WriteFile(filepath.Join(tools, "terraform-x"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(t.TempDir(), "ramsso.fish")
	out, err := exec.Command(bin, "completion", "fish").Output()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(script, out, 0o600); err != nil {
		t.Fatal(err)
	}
	profile := acct1 + "-admin"
	complete := func(line string) string {
		cmd := exec.Command(fish, "--no-config", "-c", "source "+script+"; complete --do-complete '"+line+"'")
		cmd.Env = []string{"PATH=" + filepath.Dir(bin) + ":" + tools + ":/usr/bin:/bin", "HOME=" + w.env["HOME"]}
		for k, v := range w.env {
			if k != "PATH" && k != "HOME" {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("fish: %v %s", err, out)
		}
		return string(out)
	}
	if got := complete("ramsso exec 1234"); !strings.Contains(got, profile) {
		t.Errorf("profile completion: %q", got)
	}
	if got := complete("ramsso exec " + profile + " -- terraform-"); !strings.Contains(got, "terraform-x") {
		t.Errorf("command completion after --: %q", got)
	}
}

func TestConsoleBrowserProfile(t *testing.T) {
	w := newWorld(t)
	w.assumeAdmin()
	fed := emulator.NewFederation(w.emu.Issued)
	fs := httptest.NewServer(fed)
	defer fs.Close()
	w.env["RAMSSO_SIGNIN_ENDPOINT"] = fs.URL
	out := filepath.Join(w.workdir, "argv")
	firefox := filepath.Join(w.workdir, "firefox")
	if err := os.WriteFile(firefox, []byte("#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '"+out+"'\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	w.env["BROWSER"] = firefox
	profile := acct1 + "-admin"

	for _, bad := range []string{"-new-instance", "--user-data-dir=/tmp", "../x", ""} {
		if r := w.run("console", profile, "--browser-profile", bad); r.code == 0 || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("--browser-profile %q: %d %s", bad, r.code, r.stderr)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a refused profile name still started the browser")
	}
	r := w.run("console", profile, "--browser-profile", "work")
	if r.code != 0 || !strings.Contains(r.stderr, `browser profile "work"`) {
		t.Fatalf("console: %d %s", r.code, r.stderr)
	}
	argv := readLines(out)
	if len(argv) != 3 || argv[0] != "-P" || argv[1] != "work" || !strings.HasPrefix(argv[2], fs.URL+"/federation?") {
		t.Fatalf("firefox got %q", argv)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(argv[2])
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Errorf("the opened URL does not sign in: %d", res.StatusCode)
	}
}

func TestDurationBeyondRoleMaximum(t *testing.T) {
	w := newWorld(t)
	if err := os.MkdirAll(w.home, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(w.home, "settings.json"), []byte(`{"defaultDuration": "8h", "keepMe": true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	devOnly := w.roles(roleValue(roleDev, provider2)) // dev allows at most 7200 s
	before := w.emu.Requests()
	r := w.run("assume", "--saml", w.response(devOnly), "--duration", "12h", "--output", "json")
	if r.code != 0 || !strings.Contains(r.stderr, "asked again for 2h") || !strings.Contains(r.stderr, "allows at most 2h") {
		t.Fatalf("assume 12h: %d %s", r.code, r.stderr)
	}
	if n := w.emu.Requests() - before; n != 2 {
		t.Errorf("%d STS requests, want 2 (refused, then the role's maximum)", n)
	}
	var got map[string]string
	_ = json.Unmarshal([]byte(r.stdout), &got)
	exp, _ := time.Parse(time.RFC3339, got["Expiration"])
	if d := time.Until(exp); d < 119*time.Minute || d > 121*time.Minute {
		t.Errorf("session lasts %s, want the role's 2h", d)
	}
	b, _ := os.ReadFile(filepath.Join(w.home, "settings.json"))
	if !strings.Contains(string(b), `"roleMaxDurations"`) || !strings.Contains(string(b), roleDev) || !strings.Contains(string(b), `"keepMe"`) {
		t.Errorf("settings: %s", b)
	}
	// Next time the 8h default is capped up front: one request, no refusal.
	before = w.emu.Requests()
	r = w.run("assume", "--saml", w.response(devOnly))
	if r.code != 0 || !strings.Contains(r.stderr, "allowed at most 2h before") {
		t.Fatalf("assume default: %d %s", r.code, r.stderr)
	}
	if n := w.emu.Requests() - before; n != 1 {
		t.Errorf("%d STS requests, want 1", n)
	}
}
