package capture

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/store"
)

// TestAcquireEffects: effects run in order with the session's metadata
// only; a refused or panicking effect becomes a warning and the session
// stays stored; remembering is part of the path.
func TestAcquireEffects(t *testing.T) {
	home := t.TempDir()
	st, err := store.Open(context.Background(), home, store.KindFile)
	if err != nil {
		t.Fatal(err)
	}
	role := saml.Role{RoleArn: "acs:ram::1:role/admin", ProviderArn: "acs:ram::1:saml-provider/p", AccountID: "1", RoleName: "admin"}
	other := saml.Role{RoleArn: "acs:ram::1:role/ro", ProviderArn: "acs:ram::1:saml-provider/p", AccountID: "1", RoleName: "ro"}
	resp := &saml.Response{Issuer: "https://idp", Roles: []saml.Role{role, other}, Base64: "QUJD", NotOnOrAfter: time.Now().Add(time.Minute)}
	var order []string
	a := &Acquirer{
		Exchanger: Exchanger{STS: &fakeSTS{}, Store: st},
		State:     &State{Home: home},
		Effects: []Effect{
			{Name: "first", Run: func(_ context.Context, s store.Session) (string, error) {
				order = append(order, "first")
				if s.Credentials.AccessKeySecret != "" || s.Credentials.SecurityToken != "" {
					t.Error("an effect got secrets")
				}
				return "first did it", nil
			}},
			{Name: "refused", Run: func(context.Context, store.Session) (string, error) {
				order = append(order, "refused")
				return "", errors.New("not ours")
			}},
			{Name: "panics", Run: func(context.Context, store.Session) (string, error) { panic("boom") }},
		},
	}
	out, err := a.Acquire(context.Background(), Request{Response: resp, Role: role, Remember: true})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(order, ",") != "first,refused" || strings.Join(out.Notes, "|") != "first did it" {
		t.Errorf("order %v, notes %q", order, out.Notes)
	}
	if len(out.Warnings) != 2 || !strings.Contains(out.Warnings[0], "refused for 1-admin failed: not ours (the session is stored)") ||
		!strings.Contains(out.Warnings[1], "panics for 1-admin failed") {
		t.Errorf("warnings %q", out.Warnings)
	}
	if s, err := st.Get(context.Background(), "1-admin"); err != nil || s.Credentials.AccessKeyID != "STS.fake" {
		t.Errorf("session after refused effects: %+v, %v", s, err)
	}
	if arn, ok, _ := (&State{Home: home}).RememberedChoice(resp.Issuer, resp.Roles); !ok || arn != role.RoleArn {
		t.Errorf("remembered %q %v", arn, ok)
	}
	// Profile names are bound to their role.
	_, err = a.Acquire(context.Background(), Request{Response: resp, Role: other, Options: Options{Profile: "1-admin"}})
	if !errors.Is(err, store.ErrProfileTaken) || !strings.Contains(err.Error(), "ramsso rm 1-admin") {
		t.Errorf("rebinding 1-admin: %v", err)
	}
}

func TestEffectsRule(t *testing.T) {
	cfg := func(context.Context, store.Session) (string, error) { return "", nil }
	notify := func(context.Context, store.Session) {}
	if n := len(Effects(&config.Settings{}, cfg, notify)); n != 1 {
		t.Errorf("configureCli off: %d effects, want the tray notice only", n)
	}
	if n := len(Effects(&config.Settings{ConfigureCLI: true}, cfg, notify)); n != 2 {
		t.Errorf("configureCli on: %d effects", n)
	}
}
