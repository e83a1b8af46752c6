package capture

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/saml"
)

func TestIntents(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	s := &State{Home: t.TempDir(), Now: func() time.Time { return now }}
	ctx := context.Background()
	roles := []saml.Role{role("111", "admin"), role("111", "ro")}
	if err := s.RecordIntent(ctx, Intent{Profile: "p1", RoleArn: roles[0].RoleArn, Issuer: "https://idp"}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordIntent(ctx, Intent{Profile: "other", RoleArn: "acs:ram::999:role/x"}); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.PendingIntent("p1"); p == nil || p.RoleArn != roles[0].RoleArn {
		t.Fatalf("PendingIntent = %v", p)
	}
	// another IdP does not take it
	if got, err := s.TakeIntent(ctx, "https://other-idp", roles); err != nil || got != nil {
		t.Fatalf("TakeIntent(other idp) = %v, %v", got, err)
	}
	got, err := s.TakeIntent(ctx, "https://idp", roles)
	if err != nil || got == nil || got.Profile != "p1" {
		t.Fatalf("TakeIntent = %v, %v", got, err)
	}
	if got, _ := s.TakeIntent(ctx, "https://idp", roles); got != nil {
		t.Fatalf("intent taken twice: %v", got)
	}
	// the unrelated intent is still there, and expires
	if p, _ := s.PendingIntent("other"); p == nil {
		t.Fatal("unrelated intent lost")
	}
	now = now.Add(DefaultIntentTTL + time.Second)
	if p, _ := s.PendingIntent("other"); p != nil {
		t.Fatal("expired intent still pending")
	}
	if err := s.RecordIntent(ctx, Intent{Profile: "x"}); err == nil {
		t.Fatal("intent without role accepted")
	}
}

func TestRememberedChoice(t *testing.T) {
	s := &State{Home: t.TempDir()}
	ctx := context.Background()
	roles := []saml.Role{role("111", "admin"), role("222", "dev")}
	if _, ok, _ := s.RememberedChoice("idp", roles); ok {
		t.Fatal("choice before any was saved")
	}
	if err := s.RememberChoice(ctx, "idp", roles, roles[1].RoleArn); err != nil {
		t.Fatal(err)
	}
	// same set in another order: remembered
	if arn, ok, _ := s.RememberedChoice("idp", []saml.Role{roles[1], roles[0]}); !ok || arn != roles[1].RoleArn {
		t.Fatalf("RememberedChoice = %q %v", arn, ok)
	}
	// another set or IdP: not
	if _, ok, _ := s.RememberedChoice("idp", roles[:1]); ok {
		t.Fatal("remembered for a different role set")
	}
	if _, ok, _ := s.RememberedChoice("other", roles); ok {
		t.Fatal("remembered for a different IdP")
	}
	if err := s.RememberChoice(ctx, "idp", roles, "acs:ram::333:role/x"); err == nil {
		t.Fatal("remembered a role outside the set")
	}
	if err := s.ForgetChoices(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.RememberedChoice("idp", roles); ok {
		t.Fatal("choice survived ForgetChoices")
	}
}

func TestIntentsConcurrent(t *testing.T) {
	s := &State{Home: t.TempDir()}
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := role("111", string(rune('a'+i)))
			if err := s.RecordIntent(ctx, Intent{Profile: r.RoleName, RoleArn: r.RoleArn}); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	for i := 0; i < 10; i++ {
		if p, _ := s.PendingIntent(string(rune('a' + i))); p == nil {
			t.Errorf("intent %d lost", i)
		}
	}
}
