package cli

import (
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/credentials-go/credentials/providers"

	"github.com/ramsso/ramsso/internal/standin/emulator"
)

// chainSettings defines dev-chained: acct2's dev role assumed from the
// admin SAML session.
func (w *world) chainSettings(extra map[string]any) {
	v := map[string]any{
		"chainedProfiles": map[string]any{
			"dev-chained": map[string]any{"source_profile": acct1 + "-admin", "ram_role_arn": roleDev, "duration_seconds": 7200},
			"loop-a":      map[string]any{"source_profile": "loop-b", "ram_role_arn": roleDev},
			"loop-b":      map[string]any{"source_profile": "loop-a", "ram_role_arn": roleDev},
		},
		"regions": map[string]string{acct2: "eu-central-1"},
	}
	for k, x := range extra {
		v[k] = x
	}
	w.writeSettings(v)
}

// TestChainedProfileEndToEnd: a chained profile through process, env,
// list, whoami and serve (with the real credentials-go), against the
// emulator's signed AssumeRole.
func TestChainedProfileEndToEnd(t *testing.T) {
	w := newWorld(t)
	w.assumeAdmin()
	w.chainSettings(nil)

	// Listed before it was ever assumed.
	r := w.run("list", "--json")
	var list []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || r.code != 0 {
		t.Fatalf("list: %v %s", err, r.stderr)
	}
	found := false
	for _, e := range list {
		if e["profile"] == "dev-chained" {
			found = e["sourceProfile"] == acct1+"-admin" && e["expired"] == true && e["accountId"] == acct2
		}
		if e["profile"] == acct1+"-admin" && e["sourceProfile"] != "" {
			t.Errorf("SAML session listed as chained: %v", e)
		}
	}
	if !found {
		t.Fatalf("list --json: %s", r.stdout)
	}

	r = w.run("process", "dev-chained")
	if r.code != 0 {
		t.Fatalf("process: %s", r.stderr)
	}
	var keys map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &keys); err != nil {
		t.Fatal(err)
	}
	if !w.emu.Issued(keys["access_key_id"], keys["access_key_secret"], keys["sts_token"]) {
		t.Fatal("process served keys the emulator did not issue")
	}
	exp, _ := time.Parse("2006-01-02T15:04:05Z", keys["expiration"])
	if left := time.Until(exp); left < 2*time.Hour-time.Minute || left > 2*time.Hour+time.Minute {
		t.Errorf("chained session has %v, want the 2h asked for", left)
	}
	if !strings.Contains(r.stderr, "assumed "+roleDev) || !strings.Contains(r.stderr, "as STS granted") {
		t.Errorf("no progress line: %s", r.stderr)
	}

	r = w.run("env", "dev-chained")
	if r.code != 0 || !strings.Contains(r.stdout, "ALIBABA_CLOUD_REGION_ID=eu-central-1") || !strings.Contains(r.stdout, keys["access_key_id"]) {
		t.Fatalf("env: %s %s", r.stdout, r.stderr)
	}

	r = w.run("whoami", "dev-chained", "--json")
	var who map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &who); err != nil || r.code != 0 {
		t.Fatalf("whoami: %v %s", err, r.stderr)
	}
	if who["accountId"] != acct2 || !strings.HasPrefix(who["arn"].(string), "acs:ram::"+acct2+":assumed-role/dev/") ||
		who["sourceProfile"] != acct1+"-admin" || who["region"] != "eu-central-1" || who["secondsLeft"].(float64) < 7000 {
		t.Errorf("whoami: %v", who)
	}
	r = w.run("whoami", acct1+"-admin")
	if r.code != 0 || !strings.Contains(r.stdout, "acs:ram::"+acct1+":assumed-role/admin/") || !strings.Contains(r.stdout, "expires") {
		t.Errorf("whoami SAML: %s %s", r.stdout, r.stderr)
	}

	fed := emulator.NewFederation(w.emu.Issued)
	fs := httptest.NewServer(fed)
	defer fs.Close()
	w.env["RAMSSO_SIGNIN_ENDPOINT"] = fs.URL
	r = w.run("console", "dev-chained", "--print")
	if r.code != 0 || !strings.HasPrefix(strings.TrimSpace(r.stdout), fs.URL+"/federation?") || !strings.Contains(r.stderr, roleDev) {
		t.Fatalf("console: %d %s %s", r.code, r.stdout, r.stderr)
	}

	r = w.run("list")
	if !strings.Contains(r.stdout, "dev (chained from "+acct1+"-admin)") {
		t.Errorf("list: %s", r.stdout)
	}

	r = w.run("process", "loop-a")
	if r.code == 0 || !strings.Contains(r.stderr, "cycle") {
		t.Errorf("cycle: %d %s", r.code, r.stderr)
	}

	// serve: credentials-go reads the chained profile's URI.
	st := w.startServe(0)
	p, err := providers.NewURLCredentialsProviderBuilder().WithUrl(st.URL("dev-chained")).Build()
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.GetCredentials()
	if err != nil || got.AccessKeyId != keys["access_key_id"] {
		t.Fatalf("credentials-go via serve: %v", err)
	}
}

// TestChainedSourceExpiredRelogin: the chained session and its SAML source
// have both expired; `ramsso process` re-logs the source in once (the IdP
// page opens once), then assumes the chained role from the fresh session.
func TestChainedSourceExpiredRelogin(t *testing.T) {
	w := newWorld(t)
	w.assumeAdmin()
	w.chainSettings(map[string]any{"idpLoginURLs": map[string]string{"https://idp.example.com/app/ramsso": loginURL}})
	if r := w.run("process", "dev-chained"); r.code != 0 {
		t.Fatalf("first process: %s", r.stderr)
	}
	w.expire(acct1 + "-admin")
	w.expire("dev-chained")
	opened := filepath.Join(w.workdir, "opened")
	w.env["BROWSER"] = browserScript(t, w.workdir, opened)
	stop := w.capturesOnOpen(opened)
	r := w.run("process", "dev-chained")
	stop()
	if r.code != 0 {
		t.Fatalf("process after expiry: %s", r.stderr)
	}
	var keys map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &keys); err != nil {
		t.Fatal(err)
	}
	exp, _ := time.Parse("2006-01-02T15:04:05Z", keys["expiration"])
	if time.Until(exp) < time.Hour || !w.emu.Issued(keys["access_key_id"], keys["access_key_secret"], keys["sts_token"]) {
		t.Fatalf("stale or foreign keys, expiring %s", keys["expiration"])
	}
	if lines := readLines(opened); len(lines) != 1 || lines[0] != loginURL {
		t.Fatalf("login page opened %d times: %v", len(lines), lines)
	}
	if !strings.Contains(r.stderr, "session "+acct1+"-admin expired") {
		t.Errorf("no re-login progress: %s", r.stderr)
	}
}

// TestAssumeSeveralRoles: --role twice and --all-roles from one assertion.
func TestAssumeSeveralRoles(t *testing.T) {
	w := newWorld(t)
	resp := w.response(w.roles(roleValue(roleAdmin, provider), roleValue(roleReadonly, provider), roleValue(roleDev, provider2)))
	r := w.run("assume", "--saml", resp, "--role", "admin", "--role", acct2+"/dev", "--output", "json")
	if r.code != 0 {
		t.Fatalf("assume --role --role: %s", r.stderr)
	}
	var got []map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got) != 2 {
		t.Fatalf("output %s: %v", r.stdout, err)
	}
	if got[0]["Profile"] != acct1+"-admin" || got[1]["Profile"] != acct2+"-dev" || got[1]["RoleArn"] != roleDev {
		t.Errorf("profiles: %v", got)
	}
	r = w.run("assume", "--saml", resp, "--all-roles")
	if r.code != 0 || strings.Count(r.stderr, "stored profile") != 3 {
		t.Fatalf("--all-roles: %d %s", r.code, r.stderr)
	}
	for _, bad := range [][]string{
		{"--all-roles", "--role", "admin"},
		{"--all-roles", "--profile", "x"},
		{"--all-roles", "--output", "env"},
		{"--role", "admin", "--role", "nope"},
	} {
		if r := w.run(append([]string{"assume", "--saml", resp}, bad...)...); r.code == 0 {
			t.Errorf("assume %v succeeded", bad)
		}
	}
}

// TestAssumeSeveralRolesReuseRefused: when STS refuses the assertion after
// the first role, the rest get one clear error and a re-login hint.
func TestAssumeSeveralRolesReuseRefused(t *testing.T) {
	rw := newWorldWith(t, func(c *emulator.Config) { c.RejectReplay = true })
	resp := rw.response(rw.roles(roleValue(roleAdmin, provider), roleValue(roleReadonly, provider), roleValue(roleDev, provider2)))
	r := rw.run("assume", "--saml", resp, "--all-roles", "--output", "json")
	if r.code == 0 {
		t.Fatal("no error")
	}
	if strings.Count(r.stderr, "stored profile") != 1 || !strings.Contains(r.stderr, "1 of 3 roles assumed") ||
		!strings.Contains(r.stderr, "log in through your IdP again") || strings.Count(r.stderr, "\n") > 3 {
		t.Fatalf("stderr: %s", r.stderr)
	}
	var got []map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got) != 1 {
		t.Fatalf("stdout %s", r.stdout)
	}
}

// TestDoctorChecksChains: doctor names a chained profile that cannot work.
func TestDoctorChecksChains(t *testing.T) {
	w := newWorld(t)
	w.chainSettings(nil)
	r := w.run("doctor", "--json")
	var checks []Check
	if err := json.Unmarshal([]byte(r.stdout), &checks); err != nil {
		var wrapped struct{ Checks []Check }
		if err2 := json.Unmarshal([]byte(r.stdout), &wrapped); err2 != nil {
			t.Fatalf("doctor --json: %v: %s", err, r.stdout)
		}
		checks = wrapped.Checks
	}
	var loop, ok bool
	for _, c := range checks {
		if c.Name == "chained profile loop-a" && c.Status == CheckFail && strings.Contains(c.Detail, "cycle") {
			loop = true
		}
		if c.Name == "chained profile dev-chained" {
			ok = true // a good definition gets no line of its own
		}
	}
	if !loop || ok {
		t.Fatalf("checks: %+v", checks)
	}
}

// TestRegionsSetting: the per-account region reaches assume --output env.
func TestRegionsSetting(t *testing.T) {
	w := newWorld(t)
	w.writeSettings(map[string]any{"region": "cn-hangzhou", "regions": map[string]string{acct1: "cn-shanghai"}})
	r := w.run("assume", "--saml", w.response(w.roles(roleValue(roleAdmin, provider))), "--output", "env")
	if r.code != 0 || !strings.Contains(r.stdout, "ALIBABA_CLOUD_REGION_ID=cn-shanghai") {
		t.Fatalf("assume --output env: %s %s", r.stdout, r.stderr)
	}
	r = w.run("env", acct1+"-admin", "--format", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"ALICLOUD_REGION": "cn-shanghai"`) {
		t.Fatalf("env: %s %s", r.stdout, r.stderr)
	}
}
