package config

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func TestChainedProfilesKeepUnknownKeys(t *testing.T) {
	home := t.TempDir()
	in := `{
  "chainedProfiles": {
    "spoke-deploy": {"source_profile": "hub-admin", "ram_role_arn": "acs:ram::6543210987654321:role/deploy",
                     "expired_seconds": 7200, "region_id": "eu-central-1", "x_team": {"owner": "ops"}}
  },
  "regions": {"1234567890123456": "cn-shanghai"},
  "x_top": 1
}`
	if err := os.WriteFile(Path(home), []byte(in), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Load(home)
	if err != nil {
		t.Fatal(err)
	}
	p := s.ChainedProfiles["spoke-deploy"]
	if p.SourceProfile != "hub-admin" || p.Duration() != 7200 || p.RegionID != "eu-central-1" {
		t.Fatalf("profile = %+v", p)
	}
	if got := s.RegionFor("spoke-deploy", "6543210987654321"); got != "eu-central-1" {
		t.Errorf("RegionFor(chained) = %q", got)
	}
	if got := s.RegionFor("hub-admin", "1234567890123456"); got != "cn-shanghai" {
		t.Errorf("RegionFor(by account) = %q", got)
	}
	s.Regions["spoke-deploy"] = "ap-southeast-1"
	if got := s.RegionFor("spoke-deploy", "6543210987654321"); got != "ap-southeast-1" {
		t.Errorf("RegionFor(by profile) = %q, want the regions setting first", got)
	}
	p.DurationSeconds = 3600
	s.ChainedProfiles["spoke-deploy"] = p
	if err := s.Save(home); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(Path(home))
	var back struct {
		Chained map[string]map[string]any `json:"chainedProfiles"`
		XTop    any                       `json:"x_top"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	got := back.Chained["spoke-deploy"]
	if got["x_team"] == nil || got["duration_seconds"] != float64(3600) || got["expired_seconds"] != float64(7200) || back.XTop == nil {
		t.Fatalf("saved file lost keys: %s", b)
	}
	if strings.Contains(string(b), `"policy"`) {
		t.Errorf("empty optional keys written: %s", b)
	}
}

func TestChainedProfileTypeErrorPosition(t *testing.T) {
	home := t.TempDir()
	in := "{\"region\": \"x\",\n\"chainedProfiles\": {\"a\": {\"source_profile\": \"b\",\n   \"duration_seconds\": \"2h\"}}}"
	if err := os.WriteFile(Path(home), []byte(in), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(home)
	if err == nil || !strings.Contains(err.Error(), "settings.json:3:") || !strings.Contains(err.Error(), "duration_seconds") || !strings.Contains(err.Error(), "must be a number") {
		t.Fatalf("err = %v", err)
	}
}
