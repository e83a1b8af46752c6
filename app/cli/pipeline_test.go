package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/creds"
	"github.com/ramsso/ramsso/internal/store"
	"github.com/ramsso/ramsso/internal/sts"
)

// TestSTSFlagsWinOverEnvironment: a flag always wins and an invalid one
// is always an error, even with RAMSSO_STS_ENDPOINT set (it used to be
// ignored and the command succeeded against the environment's endpoint).
func TestSTSFlagsWinOverEnvironment(t *testing.T) {
	w := newWorld(t) // RAMSSO_STS_ENDPOINT points at the emulator
	resp := w.response(w.roles(roleValue(roleAdmin, provider)))
	r := w.run("assume", "--saml", resp, "--sts-region", "bad/region")
	if r.code == 0 || !strings.Contains(r.stderr, `"bad/region"`) {
		t.Fatalf("--sts-region bad/region under RAMSSO_STS_ENDPOINT: exit %d, %q", r.code, r.stderr)
	}
	r = w.run("assume", "--saml", resp, "--sts-endpoint", w.stsURL, "--sts-region", "cn-hangzhou")
	if r.code == 0 || !strings.Contains(r.stderr, "give one of them") {
		t.Fatalf("both STS flags: exit %d, %q", r.code, r.stderr)
	}
	if r = w.run("list", "--json"); strings.Contains(r.stdout, "admin") {
		t.Fatalf("a refused assume stored a session: %s", r.stdout)
	}
	if r = w.run("assume", "--saml", resp, "--sts-endpoint", w.stsURL); r.code != 0 {
		t.Fatalf("--sts-endpoint: %d %s", r.code, r.stderr)
	}
}

// TestAssumeRefusesToRebindAProfile: a profile name holds one role for
// ever; --profile naming another role's profile is refused, naming the
// role it holds and how to free the name, and changes nothing.
func TestAssumeRefusesToRebindAProfile(t *testing.T) {
	w := newWorld(t)
	resp := w.response(w.roles(roleValue(roleAdmin, provider), roleValue(roleReadonly, provider)))
	if r := w.run("assume", "--saml", resp, "--role", roleReadonly, "--profile", "readonly"); r.code != 0 {
		t.Fatalf("first assume: %d %s", r.code, r.stderr)
	}
	r := w.run("assume", "--saml", resp, "--role", roleAdmin, "--profile", "readonly")
	if r.code == 0 || !strings.Contains(r.stderr, roleReadonly) || !strings.Contains(r.stderr, "ramsso rm readonly") {
		t.Fatalf("rebinding: exit %d, %q", r.code, r.stderr)
	}
	st, err := store.Open(context.Background(), w.home, store.KindFile)
	if err != nil {
		t.Fatal(err)
	}
	s, err := st.Get(context.Background(), "readonly")
	if err != nil || s.RoleArn != roleReadonly {
		t.Fatalf("profile readonly after the refusal: %+v, %v", s, err)
	}
	// The same role under its own name is a refresh, not a rebinding.
	if r := w.run("assume", "--saml", resp, "--role", roleReadonly, "--profile", "readonly"); r.code != 0 {
		t.Fatalf("refresh: %d %s", r.code, r.stderr)
	}
}

// TestOneRegionRule: env (and so exec) give a profile without a region
// the region the user's environment names, before the settings' region.
func TestOneRegionRule(t *testing.T) {
	w := newWorld(t)
	if r := w.run("assume", "--saml", w.response(w.roles(roleValue(roleAdmin, provider)))); r.code != 0 {
		t.Fatalf("assume: %d %s", r.code, r.stderr)
	}
	profile := acct1 + "-admin"
	if r := w.run("env", profile); strings.Contains(r.stdout, "REGION") {
		t.Fatalf("no region known, yet env printed one:\n%s", r.stdout)
	}
	w.env["ALICLOUD_REGION"] = "eu-central-1"
	r := w.run("env", profile)
	if !strings.Contains(r.stdout, "ALIBABA_CLOUD_REGION_ID=eu-central-1") || !strings.Contains(r.stdout, "ALICLOUD_REGION=eu-central-1") {
		t.Fatalf("env with ALICLOUD_REGION set:\n%s", r.stdout)
	}
	// exec keeps a region the parent set when ramsso sets none.
	env := childEnv([]string{"ALICLOUD_REGION=eu-central-1", "PATH=/bin"}, envVars(&store.Session{}, ""), profile)
	if !strings.Contains(strings.Join(env, "\n"), "ALICLOUD_REGION=eu-central-1") {
		t.Fatalf("exec dropped the user's ALICLOUD_REGION: %q", env)
	}
}

// fakeSTS answers every exchange with fixed credentials.
type fakeSTS struct{ got []sts.Request }

func (f *fakeSTS) AssumeRoleWithSAML(_ context.Context, req sts.Request) (*sts.Result, error) {
	f.got = append(f.got, req)
	return &sts.Result{Credentials: creds.Credentials{AccessKeyID: "STS.fake", AccessKeySecret: "s", SecurityToken: "t",
		Expiration: time.Now().Add(time.Hour).UTC().Truncate(time.Second)}}, nil
}

// TestAppInjectsItsParts: the composition root takes the store, the STS
// client and the after-store effects a test gives it.
func TestAppInjectsItsParts(t *testing.T) {
	w := newWorld(t)
	if err := os.MkdirAll(w.home, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(w.home, "settings.json"), []byte(`{"configureCli":true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	fake := &fakeSTS{}
	st, err := store.Open(context.Background(), t.TempDir(), store.KindFile)
	if err != nil {
		t.Fatal(err)
	}
	var cfgEndpoint string
	var configured, notified []string
	var stderr bytes.Buffer
	app := &App{
		Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &stderr,
		Getenv: func(k string) string { return w.env[k] }, Now: time.Now,
		OpenStore: func(context.Context) (store.Store, error) { return st, nil },
		NewSTS:    func(c sts.Config) (sts.Assumer, error) { cfgEndpoint = c.Endpoint; return fake, nil },
		ConfigureCLI: func(_ context.Context, s store.Session) (string, error) {
			configured = append(configured, s.Profile)
			if s.Credentials.AccessKeySecret != "" {
				t.Error("an effect got the session's secrets")
			}
			return "", nil
		},
		NotifyTray: func(_ context.Context, s store.Session) { notified = append(notified, s.Profile) },
	}
	if code := Main(context.Background(), app, []string{"assume", "--saml", w.response(w.roles(roleValue(roleAdmin, provider)))}); code != 0 {
		t.Fatalf("assume: %d %s", code, stderr.String())
	}
	profile := acct1 + "-admin"
	if len(fake.got) != 1 || cfgEndpoint != w.stsURL {
		t.Fatalf("fake STS got %d requests, endpoint %q", len(fake.got), cfgEndpoint)
	}
	if s, err := st.Get(context.Background(), profile); err != nil || s.Credentials.AccessKeyID != "STS.fake" {
		t.Fatalf("injected store: %+v, %v", s, err)
	}
	if strings.Join(configured, ",") != profile || strings.Join(notified, ",") != profile {
		t.Fatalf("effects: configured %q, notified %q", configured, notified)
	}
}
