package config

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

func TestRememberRoleMaxDuration(t *testing.T) {
	home := t.TempDir()
	if err := os.WriteFile(Path(home), []byte(`{"futureKey": {"a": 1}, "region": "cn-shanghai"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	arn := "acs:ram::111:role/Admin"
	if err := RememberRoleMaxDuration(ctx, home, arn, 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	s, err := Load(home)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.RoleMaxDuration("acs:ram::111:role/admin"); got != 2*time.Hour {
		t.Errorf("RoleMaxDuration = %s, want 2h (case-insensitive ARN)", got)
	}
	if got := s.RoleMaxDurationMap()[arn]; got != 2*time.Hour {
		t.Errorf("map = %v", s.RoleMaxDurationMap())
	}
	b, _ := os.ReadFile(Path(home))
	if !strings.Contains(string(b), `"futureKey"`) || !strings.Contains(string(b), `"cn-shanghai"`) || !strings.Contains(string(b), `"2h0m0s"`) {
		t.Errorf("settings file lost keys or value: %s", b)
	}
	if err := RememberRoleMaxDuration(ctx, home, "ACS:RAM::111:ROLE/ADMIN", 5400*time.Second); err != nil {
		t.Fatal(err)
	}
	s, _ = Load(home)
	if len(s.RoleMaxDurations) != 1 || s.RoleMaxDuration(arn) != 90*time.Minute {
		t.Errorf("not replaced: %v", s.RoleMaxDurations)
	}
	if err := os.WriteFile(Path(home), []byte(`{"roleMaxDurations": {"x": "soon"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(home); err == nil || !strings.Contains(err.Error(), "roleMaxDurations") {
		t.Errorf("bad value accepted: %v", err)
	}
}
