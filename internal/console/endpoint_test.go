package console

import (
	"strings"
	"testing"
)

func TestResolveEndpoint(t *testing.T) {
	per := SiteEndpoints{"international": "signin-intl.aliyun.com"}
	tests := []struct {
		site, env, global string
		per               SiteEndpoints
		want, source      string
	}{
		{"china", "", "", nil, DefaultEndpoint, "default"},
		{"international", "", "", nil, DefaultEndpoint, "default"},
		{"", "", "", nil, DefaultEndpoint, "default"},
		{"international", "", "", per, "signin-intl.aliyun.com", "signinEndpoints.international"},
		{"china", "", "", per, DefaultEndpoint, "default"},
		{"china", "", "g.example", per, "g.example", `"signinEndpoint"`},
		{"international", "", "g.example", per, "signin-intl.aliyun.com", "signinEndpoints.international"},
		{"international", "http://127.0.0.1:8080", "g.example", per, "http://127.0.0.1:8080", "RAMSSO_SIGNIN_ENDPOINT"},
	}
	for _, tt := range tests {
		r := ResolveEndpoint(tt.site, tt.env, tt.global, tt.per)
		if r.Endpoint != tt.want || !strings.Contains(r.Source, tt.source) {
			t.Errorf("ResolveEndpoint(%q, %q, %q, %v) = %+v, want %s from %s", tt.site, tt.env, tt.global, tt.per, r, tt.want, tt.source)
		}
	}
	if rem := ResolveEndpoint("international", "", "", nil).Remedy("international"); !strings.Contains(rem, "signinEndpoints") || !strings.Contains(rem, LegacyInternationalEndpoint) {
		t.Errorf("international remedy %q", rem)
	}
}
