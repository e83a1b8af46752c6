package capture

import (
	"strings"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/store"
)

func role(acct, name string) saml.Role {
	return saml.Role{
		RoleArn:      "acs:ram::" + acct + ":role/" + name,
		ProviderArn:  "acs:ram::" + acct + ":saml-provider/idp",
		AccountID:    acct,
		RoleName:     name,
		ProviderName: "idp",
	}
}

func TestSelectRole(t *testing.T) {
	roles := []saml.Role{role("111", "admin"), role("111", "readonly"), role("222", "admin"), role("222", "Dev")}
	aliases := map[string]string{"111": "prod", "222": "staging"}
	tests := []struct {
		spec   string
		want   string // role ARN, or "" for an error
		errHas string
	}{
		{"acs:ram::111:role/admin", "acs:ram::111:role/admin", ""},
		{"ACS:RAM::111:ROLE/ADMIN", "acs:ram::111:role/admin", ""},
		{"acs:ram::222:role/admin,acs:ram::222:saml-provider/idp", "acs:ram::222:role/admin", ""},
		{"acs:ram::333:role/admin", "", "not in the assertion"},
		{"111/admin", "acs:ram::111:role/admin", ""},
		{"prod/admin", "acs:ram::111:role/admin", ""},
		{"Staging/ADMIN", "acs:ram::222:role/admin", ""},
		{"readonly", "acs:ram::111:role/readonly", ""},
		{"dev", "acs:ram::222:role/Dev", ""},
		{"admin", "", "ambiguous"},
		{"nosuch", "", "no role"},
		{"prod/dev", "", "no role"},
		{"  ", "", "empty role"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := SelectRole(roles, tt.spec, aliases)
			if tt.want == "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("err = %v, want one containing %q", err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.RoleArn != tt.want {
				t.Fatalf("got %s, want %s", got.RoleArn, tt.want)
			}
		})
	}
}

func TestErrorListsRoles(t *testing.T) {
	roles := []saml.Role{role("111", "admin"), role("222", "admin")}
	_, err := SelectRole(roles, "admin", map[string]string{"111": "prod"})
	if err == nil || !strings.Contains(err.Error(), "prod/admin, 222/admin") {
		t.Fatalf("err = %v", err)
	}
}

func TestGroupAndFilter(t *testing.T) {
	roles := []saml.Role{role("222", "b"), role("111", "z"), role("111", "a"), role("333", "x")}
	aliases := map[string]string{"333": "aaa-alias"}
	groups := GroupByAccount(roles, aliases)
	var got []string
	for _, g := range groups {
		for _, r := range g.Roles {
			got = append(got, g.AccountID+"/"+r.RoleName)
		}
	}
	if want := "111/a 111/z 222/b 333/x"; strings.Join(got, " ") != want {
		t.Fatalf("groups = %v, want %s", got, want)
	}
	if groups[2].Label() != "aaa-alias (333)" {
		// "111" < "222" < "aaa-alias (333)" in byte order
		t.Fatalf("label = %q", groups[2].Label())
	}
	tests := []struct {
		q    string
		want int
	}{{"", 4}, {"111", 2}, {"aaa x", 1}, {"ALIAS", 1}, {"z 222", 0}, {"222/b", 1}, {"role/", 0}, {"acs:ram", 0}, {"saml-provider", 0}}
	for _, tt := range tests {
		if n := len(FilterRoles(roles, tt.q, aliases)); n != tt.want {
			t.Errorf("FilterRoles(%q) = %d roles, want %d", tt.q, n, tt.want)
		}
	}
}

func TestProfileName(t *testing.T) {
	r := role("111", "admin")
	aliases := map[string]string{"111": "prod"}
	exp := time.Now()
	tests := []struct {
		name     string
		sessions []store.Session
		aliases  map[string]string
		want     string
	}{
		{"fresh, no alias", nil, nil, "111-admin"},
		{"fresh, alias", nil, aliases, "prod-admin"},
		{"existing keeps its name after an alias is added", []store.Session{{Profile: "111-admin", RoleArn: r.RoleArn, Expiration: exp}}, aliases, "111-admin"},
		{"name taken by another role", []store.Session{{Profile: "prod-admin", RoleArn: "acs:ram::999:role/admin"}}, aliases, "prod-admin-2"},
		{"alias made safe", nil, map[string]string{"111": "My Prod/EU"}, "My-Prod-EU-admin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ProfileName(tt.sessions, r, tt.aliases); got != tt.want {
				t.Fatalf("ProfileName = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestValidateProfileName(t *testing.T) {
	for _, ok := range []string{"prod-admin", "a.b_c@d+e=f", "111-admin-2"} {
		if err := ValidateProfileName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-x", ".x", "a/b", "a b", "a\x00b", strings.Repeat("a", 129)} {
		if err := ValidateProfileName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestValidateDuration(t *testing.T) {
	for _, ok := range []time.Duration{0, 900 * time.Second, time.Hour, 12 * time.Hour} {
		if err := ValidateDuration(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []time.Duration{time.Second, 899 * time.Second, 12*time.Hour + time.Second, 1500 * time.Millisecond} {
		if err := ValidateDuration(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
