package chain_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/chain"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/standin/emulator"
	"github.com/ramsso/ramsso/internal/standin/testidp"
	"github.com/ramsso/ramsso/internal/store"
	"github.com/ramsso/ramsso/internal/sts"
)

const (
	hub      = "1234567890123456"
	spoke    = "6543210987654321"
	provider = "acs:ram::" + hub + ":saml-provider/okta"
	admin    = "acs:ram::" + hub + ":role/admin"
	deploy   = "acs:ram::" + spoke + ":role/deploy"
	audit    = "acs:ram::" + spoke + ":role/audit"
	locked   = "acs:ram::" + spoke + ":role/locked"
)

type rig struct {
	t      testing.TB
	idp    *testidp.IdP
	emu    *emulator.Server
	client *sts.Client
	st     store.Store
	logins int
}

func newRig(t testing.TB) *rig {
	t.Helper()
	idp, err := testidp.New("https://idp.example.com/saml")
	if err != nil {
		t.Fatal(err)
	}
	emu, err := emulator.New(emulator.Config{
		Providers: []emulator.Provider{{Arn: provider, Certificate: string(idp.CertPEM())}},
		Roles: []emulator.Role{
			{Arn: admin, MaxSessionDuration: 43200},
			{Arn: deploy, MaxSessionDuration: 14400, TrustedRoles: []string{admin}},
			{Arn: audit, TrustedRoles: []string{deploy}},
			{Arn: locked, TrustedRoles: []string{audit}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(emu)
	t.Cleanup(hs.Close)
	c, err := sts.New(sts.Config{Endpoint: hs.URL, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), t.TempDir(), store.KindFile)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, idp: idp, emu: emu, client: c, st: st}
	r.signIn()
	return r
}

// signIn stores a SAML session "hub-admin" for alice, as a capture would.
func (r *rig) signIn() {
	r.t.Helper()
	b64, err := r.idp.Response(testidp.Options{Roles: []string{testidp.RoleValue(hub, "admin", "okta")}, SessionName: "alice@example.com"})
	if err != nil {
		r.t.Fatal(err)
	}
	res, err := r.client.AssumeRoleWithSAML(context.Background(), sts.Request{RoleArn: admin, ProviderArn: provider, SAMLAssertion: b64})
	if err != nil {
		r.t.Fatal(err)
	}
	s := store.Session{Profile: "hub-admin", RoleArn: admin, ProviderArn: provider, AccountID: hub, RoleName: "admin",
		Issuer: r.idp.Issuer, SessionName: "alice@example.com", Expiration: res.Credentials.Expiration,
		CreatedAt: time.Now().UTC(), Credentials: res.Credentials}
	if err := r.st.Put(context.Background(), s); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) expire(profile string) {
	r.t.Helper()
	s, err := r.st.Get(context.Background(), profile)
	if err != nil {
		r.t.Fatal(err)
	}
	past := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	s.Expiration, s.Credentials.Expiration, s.CreatedAt = past, past, past.Add(-time.Hour)
	if err := r.st.Put(context.Background(), *s); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) resolver(defs map[string]config.ChainedProfile) *chain.Resolver {
	return &chain.Resolver{
		Store:    r.st,
		Settings: &config.Settings{ChainedProfiles: defs, Regions: map[string]string{spoke: "eu-central-1"}},
		STS:      func() (sts.Signer, error) { return r.client, nil },
		Refresh: func(ctx context.Context, old *store.Session) (*store.Session, error) {
			// The re-login: here the capture arrives at once.
			r.logins++
			r.signIn()
			return r.st.Get(ctx, old.Profile)
		},
	}
}

var defs = map[string]config.ChainedProfile{
	"spoke-deploy": {SourceProfile: "hub-admin", RamRoleArn: deploy, DurationSeconds: 7200},
	"spoke-audit":  {SourceProfile: "spoke-deploy", RamRoleArn: audit, RamSessionName: "audit-bot"},
	"locked":       {SourceProfile: "hub-admin", RamRoleArn: locked},
}

func TestChainedSession(t *testing.T) {
	r := newRig(t)
	res := r.resolver(defs)
	ctx := context.Background()

	s, err := res.Session(ctx, "spoke-deploy")
	if err != nil {
		t.Fatal(err)
	}
	if s.SourceProfile != "hub-admin" || s.AccountID != spoke || s.RoleName != "deploy" || s.SessionName != "alice@example.com" ||
		s.Region != "eu-central-1" || s.Issuer != r.idp.Issuer {
		t.Errorf("session = %+v", s)
	}
	if life := time.Until(s.Credentials.Expiration); life < 2*time.Hour-time.Minute || life > 2*time.Hour+time.Minute {
		t.Errorf("lives %v, want the 2h asked for", life)
	}
	id, err := r.client.GetCallerIdentity(ctx, s.Credentials)
	if err != nil || id.Arn != "acs:ram::"+spoke+":assumed-role/deploy/alice@example.com" {
		t.Fatalf("identity %+v, %v", id, err)
	}

	// Cached: no new STS call.
	before := r.emu.Requests()
	again, err := res.Session(ctx, "spoke-deploy")
	if err != nil || again.Credentials.AccessKeyID != s.Credentials.AccessKeyID || r.emu.Requests() != before {
		t.Fatalf("second lookup: %v, %d new requests", err, r.emu.Requests()-before)
	}

	// Two steps, with a fixed session name.
	a, err := res.Session(ctx, "spoke-audit")
	if err != nil {
		t.Fatal(err)
	}
	if a.SessionName != "audit-bot" || a.SourceProfile != "spoke-deploy" {
		t.Errorf("audit = %+v", a)
	}

	// The chained session expired: made again from the (live) source.
	r.expire("spoke-deploy")
	fresh, err := res.Session(ctx, "spoke-deploy")
	if err != nil || fresh.Credentials.AccessKeyID == s.Credentials.AccessKeyID || r.logins != 0 {
		t.Fatalf("refresh from source: %v, logins %d", err, r.logins)
	}
}

func TestChainedSourceExpiredReloginsOnce(t *testing.T) {
	r := newRig(t)
	res := r.resolver(defs)
	ctx := context.Background()
	r.expire("hub-admin")
	// Two levels above the expired SAML session: one re-login.
	s, err := res.Session(ctx, "spoke-audit")
	if err != nil {
		t.Fatal(err)
	}
	if r.logins != 1 {
		t.Fatalf("%d re-logins, want 1", r.logins)
	}
	if s.Credentials.Expired(time.Now()) {
		t.Fatal("expired keys")
	}
	if src, _ := r.st.Get(ctx, "hub-admin"); src.Credentials.Expired(time.Now()) {
		t.Fatal("the source was not refreshed")
	}
}

func TestChainedErrors(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	tests := []struct {
		name    string
		defs    map[string]config.ChainedProfile
		profile string
		want    []string
	}{
		{"cycle", map[string]config.ChainedProfile{
			"a": {SourceProfile: "b", RamRoleArn: deploy},
			"b": {SourceProfile: "c", RamRoleArn: deploy},
			"c": {SourceProfile: "a", RamRoleArn: deploy},
		}, "a", []string{"cycle", "a → b → c → a"}},
		{"self", map[string]config.ChainedProfile{"a": {SourceProfile: "a", RamRoleArn: deploy}}, "a", []string{"cycle"}},
		{"too deep", func() map[string]config.ChainedProfile {
			m := map[string]config.ChainedProfile{}
			prev := "hub-admin"
			for _, n := range []string{"p1", "p2", "p3", "p4", "p5", "p6"} {
				m[n] = config.ChainedProfile{SourceProfile: prev, RamRoleArn: deploy}
				prev = n
			}
			return m
		}(), "p6", []string{"more than 5 steps"}},
		{"bad arn", map[string]config.ChainedProfile{"a": {SourceProfile: "hub-admin", RamRoleArn: "deploy"}}, "a", []string{"ram_role_arn", "acs:ram::"}},
		{"no source", map[string]config.ChainedProfile{"a": {RamRoleArn: deploy}}, "a", []string{"source_profile"}},
		{"duration", map[string]config.ChainedProfile{"a": {SourceProfile: "hub-admin", RamRoleArn: deploy, DurationSeconds: 600}}, "a", []string{"900"}},
		{"session name", map[string]config.ChainedProfile{"a": {SourceProfile: "hub-admin", RamRoleArn: deploy, RamSessionName: "a b"}}, "a", []string{"ram_session_name"}},
		{"source missing", map[string]config.ChainedProfile{"a": {SourceProfile: "nobody", RamRoleArn: deploy}}, "a", []string{"needs its source profile nobody", "no session"}},
		{"trust policy", defs, "locked", []string{"NoPermission", "trust policy must allow " + admin}},
		{"role over max", map[string]config.ChainedProfile{"a": {SourceProfile: "hub-admin", RamRoleArn: deploy, DurationSeconds: 20000}}, "a", []string{"InvalidParameter.DurationSeconds", "duration_seconds 20000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := r.emu.Requests()
			_, err := r.resolver(tt.defs).Session(ctx, tt.profile)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(tt.name, "cycle") || tt.name == "too deep" || tt.name == "bad arn" {
				if r.emu.Requests() != before {
					t.Error("a definition that cannot work reached STS")
				}
			}
		})
	}
	t.Run("expired SAML session without a re-login", func(t *testing.T) {
		r.expire("hub-admin")
		res := r.resolver(defs)
		res.Refresh = func(context.Context, *store.Session) (*store.Session, error) { return nil, nil }
		_, err := res.Session(ctx, "spoke-deploy")
		var ee *chain.ExpiredError
		if !errors.As(err, &ee) || ee.Profile != "hub-admin" {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestSessionName(t *testing.T) {
	tests := []struct{ saml, fixed, want string }{
		{"alice@example.com", "", "alice@example.com"},
		{"Alice Smith", "", "Alice-Smith"},
		{"DOMAIN\\alice", "", "DOMAIN-alice"},
		{strings.Repeat("x", 80), "", strings.Repeat("x", 64)},
		{"", "", "ramsso-chained"},
		{"é", "", "ramsso-chained"},
		{"alice", "ci-bot", "ci-bot"},
	}
	for _, tt := range tests {
		got := chain.SessionName(config.ChainedProfile{RamSessionName: tt.fixed}, &store.Session{SessionName: tt.saml})
		if got != tt.want || !sts.RoleSessionNameRule.MatchString(got) {
			t.Errorf("SessionName(%q, %q) = %q, want %q", tt.saml, tt.fixed, got, tt.want)
		}
	}
}

// BenchmarkChainedCached is a lookup of a chained profile whose session is
// cached in the (file) store: what `ramsso process` pays after the first.
func BenchmarkChainedCached(b *testing.B) {
	r := newRig(b)
	res := r.resolver(defs)
	if _, err := res.Session(context.Background(), "spoke-deploy"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := res.Session(context.Background(), "spoke-deploy"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChainedAssume makes the chained session anew each time: signed
// AssumeRole through the V1 SDK against the emulator, and the store write.
func BenchmarkChainedAssume(b *testing.B) {
	r := newRig(b)
	res := r.resolver(defs)
	b.ReportAllocs()
	for b.Loop() {
		if err := r.st.Delete(context.Background(), "spoke-deploy"); err != nil && !errors.Is(err, store.ErrNotFound) {
			b.Fatal(err)
		}
		if _, err := res.Session(context.Background(), "spoke-deploy"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestChainedOnceAcrossCallers: callers asking at once for an expired
// chained session make it once (the lock under Home).
func TestChainedOnceAcrossCallers(t *testing.T) {
	r := newRig(t)
	home := t.TempDir()
	before := r.emu.Requests()
	const n = 8
	keys := make(chan string, n)
	errs := make(chan error, n)
	for range n {
		go func() {
			res := r.resolver(defs)
			res.Home = home
			s, err := res.Session(context.Background(), "spoke-deploy")
			if err != nil {
				errs <- err
				return
			}
			keys <- s.Credentials.AccessKeyID
		}()
	}
	first := ""
	for range n {
		select {
		case err := <-errs:
			t.Fatal(err)
		case k := <-keys:
			if first == "" {
				first = k
			}
			if k != first {
				t.Fatal("callers got different chained sessions")
			}
		}
	}
	if got := r.emu.Requests() - before; got != 1 {
		t.Fatalf("%d STS requests, want 1", got)
	}
}
