package capture

import (
	"context"
	"testing"

	"github.com/ramsso/ramsso/internal/saml"
)

func TestChoicesListAndForgetIssuer(t *testing.T) {
	ctx := context.Background()
	s := &State{Home: t.TempDir()}
	if list, err := s.Choices(); err != nil || len(list) != 0 {
		t.Fatalf("fresh home: %v %v", list, err)
	}
	a, b, c := role("111", "a"), role("111", "b"), role("222", "c")
	must(t, s.RememberChoice(ctx, "https://idp-1", []saml.Role{a, b}, b.RoleArn))
	must(t, s.RememberChoice(ctx, "https://idp-1", []saml.Role{a, b, c}, c.RoleArn))
	must(t, s.RememberChoice(ctx, "https://idp-2", []saml.Role{a, c}, a.RoleArn))
	list, err := s.Choices()
	if err != nil || len(list) != 3 {
		t.Fatalf("Choices = %v, %v", list, err)
	}
	if list[0].Issuer != "https://idp-1" || list[2].Issuer != "https://idp-2" || list[2].RoleArn != a.RoleArn || list[0].Saved.IsZero() {
		t.Errorf("Choices order/content: %+v", list)
	}
	n, err := s.ForgetIssuer(ctx, "https://idp-1")
	if err != nil || n != 2 {
		t.Fatalf("ForgetIssuer = %d, %v; want 2", n, err)
	}
	if _, ok, _ := s.RememberedChoice("https://idp-1", []saml.Role{a, b}); ok {
		t.Error("idp-1 choice survived")
	}
	if got, ok, _ := s.RememberedChoice("https://idp-2", []saml.Role{a, c}); !ok || got != a.RoleArn {
		t.Error("idp-2 choice lost")
	}
	if n, _ := s.ForgetIssuer(ctx, "https://idp-1"); n != 0 {
		t.Errorf("second ForgetIssuer = %d", n)
	}
}
