package cli

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/standin/emulator"
	"github.com/ramsso/ramsso/internal/standin/testidp"
)

func TestAssumeThenUse(t *testing.T) {
	w := newWorld(t)
	file := w.response(w.roles(roleValue(roleAdmin, provider)))
	r := w.run("assume", "--saml", file, "--output", "json")
	if r.code != 0 {
		t.Fatalf("assume: code %d, stderr %s", r.code, r.stderr)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("assume --output json: %v: %s", err, r.stdout)
	}
	for _, k := range []string{"AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"} {
		if got[k] == "" {
			t.Errorf("assume --output json: %s missing", k)
		}
	}
	exp, err := time.Parse("2006-01-02T15:04:05Z", got["Expiration"])
	if err != nil {
		t.Fatalf("Expiration %q: %v", got["Expiration"], err)
	}
	if d := time.Until(exp); d < 55*time.Minute || d > 61*time.Minute {
		t.Errorf("default duration gave expiry in %s, want ~1h", d)
	}
	if !strings.Contains(r.stderr, "stored profile "+acct1+"-admin") {
		t.Errorf("summary missing: %s", r.stderr)
	}
	if strings.Contains(r.stderr, got["AccessKeySecret"]) || strings.Contains(r.stderr, got["SecurityToken"]) {
		t.Errorf("secret on stderr")
	}
	profile := acct1 + "-admin"

	// list
	r = w.run("list", "--json")
	var list []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || r.code != 0 {
		t.Fatalf("list --json: %v %d %s", err, r.code, r.stdout)
	}
	if len(list) != 1 || list[0]["profile"] != profile || list[0]["roleArn"] != roleAdmin ||
		list[0]["accountId"] != acct1 || list[0]["roleName"] != "admin" || list[0]["site"] != "china" ||
		list[0]["issuer"] != "https://idp.example.com/app/ramsso" || list[0]["expiration"] != got["Expiration"] || list[0]["expired"] != false {
		t.Errorf("list --json = %v", list)
	}
	if strings.Contains(r.stdout, got["AccessKeySecret"]) {
		t.Error("list printed a secret")
	}
	r = w.run("list")
	if r.code != 0 || !strings.Contains(r.stdout, profile) || !strings.Contains(r.stdout, "in ") {
		t.Errorf("list: %d %q", r.code, r.stdout)
	}

	// process
	r = w.run("process", profile)
	var proc map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &proc); err != nil || r.code != 0 {
		t.Fatalf("process: %v %d %s %s", err, r.code, r.stdout, r.stderr)
	}
	want := map[string]string{"mode": "StsToken", "access_key_id": got["AccessKeyId"], "access_key_secret": got["AccessKeySecret"], "sts_token": got["SecurityToken"], "expiration": got["Expiration"]}
	for k, v := range want {
		if proc[k] != v {
			t.Errorf("process %s = %q, want %q", k, proc[k], v)
		}
	}

	// env, every format
	w.env["RAMSSO_HOME"] = w.home
	for _, f := range []struct{ format, want string }{
		{"sh", "export ALIBABA_CLOUD_ACCESS_KEY_ID=" + got["AccessKeyId"] + "\n"},
		{"fish", "set -gx ALICLOUD_ACCESS_KEY " + got["AccessKeyId"] + ";\n"},
		{"powershell", "$Env:ALIBABA_CLOUD_SECURITY_TOKEN = '" + got["SecurityToken"] + "'\n"},
		{"dotenv", "ALICLOUD_SECRET_KEY=\"" + got["AccessKeySecret"] + "\"\n"},
		{"json", "\"ALICLOUD_SECURITY_TOKEN\": \"" + got["SecurityToken"] + "\""},
	} {
		r = w.run("env", profile, "--format", f.format)
		if r.code != 0 || !strings.Contains(r.stdout, f.want) {
			t.Errorf("env --format %s: code %d, want %q in:\n%s", f.format, r.code, f.want, r.stdout)
		}
	}
	r = w.run("env", profile, "--format", "tcsh")
	if r.code == 0 || !strings.Contains(r.stderr, "use one of sh, fish") {
		t.Errorf("bad format: %d %s", r.code, r.stderr)
	}

	// exec: variables set, conflicting ones cleared, exit status passed on
	w.env["RAMSSO_PROFILE"] = ""
	os.Setenv("ALIBABA_CLOUD_PROFILE", "other")
	defer os.Unsetenv("ALIBABA_CLOUD_PROFILE")
	r = w.run("exec", profile, "--", "sh", "-c", `echo "$ALIBABA_CLOUD_ACCESS_KEY_ID|$ALICLOUD_SECRET_KEY|$RAMSSO_PROFILE|${ALIBABA_CLOUD_PROFILE-unset}"; exit 7`)
	if r.code != 7 {
		t.Errorf("exec exit code = %d, want 7 (stderr %s)", r.code, r.stderr)
	}
	if want := got["AccessKeyId"] + "|" + got["AccessKeySecret"] + "|" + profile + "|unset\n"; r.stdout != want {
		t.Errorf("exec saw %q, want %q", r.stdout, want)
	}
	w.env["RAMSSO_PROFILE"] = "outer"
	r = w.run("exec", profile, "--", "true")
	if r.code == 0 || !strings.Contains(r.stderr, "already inside ramsso exec") {
		t.Errorf("nested exec: %d %s", r.code, r.stderr)
	}
	w.env["RAMSSO_PROFILE"] = ""

	// a second login keeps the profile name even after an alias appears
	if err := os.WriteFile(w.home+"/settings.json", []byte(`{"accountAliases":{"`+acct1+`":"prod"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r = w.run("assume", "--saml", w.response(w.roles(roleValue(roleAdmin, provider))))
	if r.code != 0 || !strings.Contains(r.stderr, "stored profile "+profile+" (prod/admin)") {
		t.Errorf("re-assume: %d %s", r.code, r.stderr)
	}

	// completion lists profiles
	r = w.run("__complete", "env", "")
	if !strings.Contains(r.stdout, profile) {
		t.Errorf("completion: %q", r.stdout)
	}

	// rm
	if r = w.run("rm", profile); r.code != 0 {
		t.Fatalf("rm: %d %s", r.code, r.stderr)
	}
	if r = w.run("process", profile); r.code == 0 || !strings.Contains(r.stderr, "no session for profile") {
		t.Errorf("process after rm: %d %s", r.code, r.stderr)
	}
	if r = w.run("rm", profile); r.code == 0 {
		t.Error("rm twice succeeded")
	}
}

func TestAssumeRoleChoice(t *testing.T) {
	w := newWorld(t)
	three := w.roles(roleValue(roleAdmin, provider), roleValue(roleReadonly, provider), roleValue(roleDev, provider2))
	file := w.response(three)

	// no terminal: fails listing the roles
	r := w.run("assume", "--saml", file)
	if r.code == 0 || !strings.Contains(r.stderr, "3 roles") || !strings.Contains(r.stderr, acct2+"/dev") || strings.Count(r.stderr, "\n") != 1 {
		t.Fatalf("no tty: %d %q", r.code, r.stderr)
	}
	// the terminal picker: typing filters (an account id is text, not a
	// role number), arrows move, Enter picks, Esc and Ctrl-C cancel
	w.tty = "read\r"
	r = w.run("assume", "--saml", file)
	if r.code != 0 || !strings.Contains(r.stderr, "stored profile "+acct1+"-readonly") {
		t.Fatalf("picker by filter: %d %s", r.code, r.stderr)
	}
	w.tty = acct2[:4] + "\r"
	r = w.run("assume", "--saml", w.response(three))
	if r.code != 0 || !strings.Contains(r.stderr, "stored profile "+acct2+"-dev") {
		t.Fatalf("picker by account id: %d %s", r.code, r.stderr)
	}
	w.tty = "\x1b"
	if r = w.run("assume", "--saml", w.response(three)); r.code != 1 || !strings.Contains(r.stderr, "cancelled") {
		t.Fatalf("picker Esc: %d %s", r.code, r.stderr)
	}
	w.tty = "\x03"
	if r = w.run("assume", "--saml", w.response(three)); r.code != 130 || !strings.Contains(r.stderr, "interrupted") {
		t.Fatalf("picker Ctrl-C: %d %s", r.code, r.stderr)
	}
	w.tty = ""
	for _, spec := range []string{roleDev, acct1 + "/admin", "readonly"} {
		if r = w.run("assume", "--saml", w.response(three), "--role", spec, "--profile", "p-"+strings.NewReplacer("/", "-", ":", "-").Replace(spec)); r.code != 0 {
			t.Errorf("--role %s: %d %s", spec, r.code, r.stderr)
		}
	}
	// stdin input
	b, _ := os.ReadFile(w.response(three))
	w.stdin = string(b)
	if r = w.run("assume", "--saml", "-", "--role", "dev"); r.code != 0 {
		t.Errorf("--saml -: %d %s", r.code, r.stderr)
	}
}

func TestAssumeErrors(t *testing.T) {
	w := newWorld(t)
	admin := roleValue(roleAdmin, provider)
	unknownProv := roleValue("acs:ram::"+acct1+":role/admin", "acs:ram::"+acct1+":saml-provider/nosuch")
	unknownRole := roleValue("acs:ram::"+acct1+":role/nosuch", provider)
	tests := []struct {
		name   string
		opts   testidp.Options
		args   []string
		errHas string
	}{
		{"expired", testidp.Options{Roles: []string{admin}, Now: time.Now().Add(-time.Hour)}, nil, "AuthenticationFail.SAMLAssertion.Expired"},
		{"unknown provider", testidp.Options{Roles: []string{unknownProv}}, nil, "EntityNotExist.SAMLProvider"},
		{"unknown role", testidp.Options{Roles: []string{unknownRole}}, nil, "EntityNotExist.Role"},
		{"wrong audience", testidp.Options{Roles: []string{admin}, Audience: "urn:example:other"}, nil, "AuthenticationFail.SAMLAssertion"},
		{"unsigned", testidp.Options{Roles: []string{admin}, SignResponse: testidp.Bool(false), SignAssertion: testidp.Bool(false)}, nil, "AuthenticationFail.SAMLAssertion"},
		{"duration below STS minimum", testidp.Options{Roles: []string{admin}}, []string{"--duration", "60"}, "900s (15m) to 43200s (12h)"},
		{"bad duration", testidp.Options{Roles: []string{admin}}, []string{"--duration", "soon"}, "--duration"},
		{"role not in assertion", testidp.Options{Roles: []string{admin}}, []string{"--role", "dev"}, "no role \"dev\""},
		{"idp error", testidp.Options{Status: "urn:oasis:names:tc:SAML:2.0:status:Responder", StatusMessage: "user not assigned"}, nil, "user not assigned"},
		{"bad output", testidp.Options{Roles: []string{admin}}, []string{"--output", "yaml"}, "use none, json or env"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"assume", "--saml", w.response(tt.opts)}, tt.args...)
			r := w.run(args...)
			if r.code == 0 {
				t.Fatalf("succeeded: %s", r.stderr)
			}
			if !strings.Contains(r.stderr, tt.errHas) {
				t.Fatalf("stderr %q lacks %q", r.stderr, tt.errHas)
			}
			if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n != 0 {
				t.Errorf("error is %d lines: %q", n+1, r.stderr)
			}
		})
	}
	r := w.run("assume", "--saml", "/nonexistent/file")
	if r.code == 0 || !strings.Contains(r.stderr, "no such file") {
		t.Errorf("missing file: %d %s", r.code, r.stderr)
	}
	if r = w.run("list", "--json"); r.stdout != "[]\n" {
		t.Errorf("failed assumes stored something: %s", r.stdout)
	}
}

func TestAssumeDurationFallback(t *testing.T) {
	w := newWorld(t)
	// readonly allows at most 1h: asking for 4h is refused by STS and
	// retried once at 3600 s.
	r := w.run("assume", "--saml", w.response(w.roles(roleValue(roleReadonly, provider))), "--duration", "4h", "--output", "json")
	if r.code != 0 {
		t.Fatalf("assume: %d %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "asked again for 1h") {
		t.Errorf("fallback not reported: %s", r.stderr)
	}
	var got map[string]string
	_ = json.Unmarshal([]byte(r.stdout), &got)
	exp, _ := time.Parse("2006-01-02T15:04:05Z", got["Expiration"])
	if d := time.Until(exp); d > 61*time.Minute {
		t.Errorf("expiry in %s after fallback", d)
	}
	// a duration the role allows is honoured
	r = w.run("assume", "--saml", w.response(w.roles(roleValue(roleAdmin, provider))), "--duration", "7200", "--output", "json")
	_ = json.Unmarshal([]byte(r.stdout), &got)
	exp, _ = time.Parse("2006-01-02T15:04:05Z", got["Expiration"])
	if d := time.Until(exp); d < 119*time.Minute || d > 121*time.Minute {
		t.Errorf("--duration 7200 gave %s", d)
	}
}

func TestAssumeRetries(t *testing.T) {
	w := newWorld(t)
	w.emu.InjectFaults(emulator.Fault{Status: 503, Code: "ServiceUnavailable", Message: "busy"})
	before := w.emu.Requests()
	r := w.run("assume", "--saml", w.response(w.roles(roleValue(roleAdmin, provider))))
	if r.code != 0 {
		t.Fatalf("503 then success: %d %s", r.code, r.stderr)
	}
	if n := w.emu.Requests() - before; n != 2 {
		t.Errorf("requests = %d, want 2", n)
	}
	w.emu.InjectFaults(emulator.Fault{Status: 400, Code: "Throttling.User", Message: "Request was denied due to user flow control."})
	before = w.emu.Requests()
	if r = w.run("assume", "--saml", w.response(w.roles(roleValue(roleAdmin, provider)))); r.code != 0 {
		t.Fatalf("throttled then success: %d %s", r.code, r.stderr)
	}
	if n := w.emu.Requests() - before; n != 2 {
		t.Errorf("requests = %d, want 2", n)
	}
	// other 4xx are not retried
	w.emu.InjectFaults(emulator.Fault{Status: 403, Code: "NoPermission", Message: "You are not authorized"})
	before = w.emu.Requests()
	if r = w.run("assume", "--saml", w.response(w.roles(roleValue(roleAdmin, provider)))); r.code == 0 || !strings.Contains(r.stderr, "NoPermission") {
		t.Fatalf("NoPermission: %d %s", r.code, r.stderr)
	}
	if n := w.emu.Requests() - before; n != 1 {
		t.Errorf("NoPermission retried: %d requests", n)
	}
}

func TestAssumeConfiguresCLIWhenSet(t *testing.T) {
	w := newWorld(t)
	// The file the aliyun CLI reads ($HOME/.aliyun/config.json), whatever
	// ALIBABA_CLOUD_CONFIG_FILE says (only credentials-go reads that).
	cfgPath := w.aliyunConfig()
	w.env["ALIBABA_CLOUD_CONFIG_FILE"] = w.workdir + "/sdk-only.json"
	if err := os.MkdirAll(w.home, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.home+"/settings.json", []byte(`{"configureCli":true,"store":"file"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r := w.run("assume", "--saml", w.response(w.roles(roleValue(roleAdmin, provider))))
	if r.code != 0 {
		t.Fatalf("assume: %d %s", r.code, r.stderr)
	}
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatalf("config.json not written: %v (stderr %s)", err, r.stderr)
	}
	if !strings.Contains(string(b), `"External"`) || !strings.Contains(string(b), "process "+acct1+"-admin") {
		t.Fatalf("config.json = %s", b)
	}
	if strings.Contains(string(b), "STS.") {
		t.Fatal("a key was written into config.json")
	}
}
