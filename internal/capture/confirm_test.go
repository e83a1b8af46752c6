package capture

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/saml"
)

type trayYes struct {
	yes bool
	err error
	got *ConfirmRequest
}

func (t *trayYes) ConfirmSession(_ context.Context, req ConfirmRequest) (bool, error) {
	t.got = &req
	return t.yes, t.err
}

func TestConfirmation(t *testing.T) {
	ctx := context.Background()
	resp := &saml.Response{Issuer: "https://idp.example.com", NotOnOrAfter: time.Now().Add(5 * time.Minute)}
	role := saml.Role{AccountID: "1234567890123456", RoleArn: "acs:ram::1234567890123456:role/admin"}
	home := t.TempDir()
	tr := &Trust{Home: home}

	// Unknown, the popup says no: not confirmed, nothing recorded.
	var asked []ConfirmRequest
	c := &Confirmation{Trust: tr, Page: "https://evil.example"}
	c.AskCaller = func(r ConfirmRequest) { asked = append(asked, r); go c.Answer(false) }
	err := c.Check(ctx, "f1", resp, role)
	var fe *FlowError
	if !errors.As(err, &fe) || fe.Code != CodeNotConfirmed || len(asked) != 1 || asked[0].Page != "https://evil.example" || !asked[0].NewIssuer || !asked[0].NewAccount {
		t.Fatalf("declined: %v %+v", err, asked)
	}
	if ik, ak, _ := tr.Known(resp.Issuer, role.AccountID); ik || ak {
		t.Fatal("a declined sign-in was recorded as trusted")
	}
	// The tray says yes: recorded; next time nobody is asked.
	ty := &trayYes{yes: true}
	c = &Confirmation{Trust: tr, Tray: func(context.Context) (TrayConfirmer, bool) { return ty, true }}
	if err := c.Check(ctx, "f2", resp, role); err != nil || ty.got == nil {
		t.Fatalf("tray yes: %v %+v", err, ty.got)
	}
	c = &Confirmation{Trust: tr, AskCaller: func(ConfirmRequest) { t.Error("asked for a known IdP and account") }}
	if err := c.Check(ctx, "f3", resp, role); err != nil {
		t.Fatal(err)
	}
	// A known Issuer string with a new account is asked again.
	other := saml.Role{AccountID: "2222222222222222", RoleArn: "acs:ram::2222222222222222:role/x"}
	c = &Confirmation{Trust: tr, Tray: func(context.Context) (TrayConfirmer, bool) {
		return &trayYes{err: errors.New("tray cannot ask")}, true
	}}
	c.AskCaller = func(r ConfirmRequest) {
		if r.NewIssuer || !r.NewAccount {
			t.Errorf("request %+v", r)
		}
		go c.Answer(true)
	}
	if err := c.Check(ctx, "f4", resp, other); err != nil {
		t.Fatalf("popup after a tray that cannot ask: %v", err)
	}
	// Sessions stored before the check existed count as seen.
	c = &Confirmation{Trust: &Trust{Home: t.TempDir()}, Seen: func(context.Context, string, string) (bool, bool) { return true, true }}
	if err := c.Check(ctx, "f5", resp, role); err != nil {
		t.Fatal(err)
	}
	// Nobody can answer: refused at once.
	c = &Confirmation{Trust: &Trust{Home: t.TempDir()}}
	if err := c.Check(ctx, "f6", resp, role); !errors.As(err, &fe) || fe.Code != CodeNotConfirmed {
		t.Fatalf("nobody to ask: %v", err)
	}
	// The popup goes away.
	closed := true
	c = &Confirmation{Trust: &Trust{Home: t.TempDir()}, AskCaller: func(ConfirmRequest) {}, InputClosed: func() bool { return closed }}
	if err := c.Check(ctx, "f7", resp, role); !errors.As(err, &fe) || fe.Code != CodeNotConfirmed {
		t.Fatalf("input closed: %v", err)
	}
}
