package config

import (
	"encoding/json"
	"reflect"
	"strings"
)

// ChainedProfile is a profile whose session is assumed with STS AssumeRole
// from another profile's session (role chaining: sign in to a hub account
// with SAML, work in a spoke account). Its keys are the ones the aliyun
// CLI's ChainableRamRoleArn profiles use where they mean the same
// (aliyun/aliyun-cli config/profile.go: source_profile, ram_role_arn,
// ram_session_name, external_id, expired_seconds, region_id), plus policy
// and duration_seconds. Keys this version does not know are kept when the
// settings are written back.
type ChainedProfile struct {
	// SourceProfile is the profile whose credentials sign AssumeRole: a
	// SAML session or another chained profile.
	SourceProfile string `json:"source_profile"`
	// RamRoleArn is the role to assume, acs:ram::<account>:role/<name>.
	RamRoleArn string `json:"ram_role_arn"`
	// RamSessionName, when set, is the RoleSessionName; by default the
	// SAML RoleSessionName of the person signed in is carried through, so
	// ActionTrail shows who it was.
	RamSessionName string `json:"ram_session_name,omitempty"`
	// ExternalID is sent as AssumeRole's ExternalId when set.
	ExternalID string `json:"external_id,omitempty"`
	// Policy is an optional JSON session policy narrowing the session.
	Policy string `json:"policy,omitempty"`
	// DurationSeconds is the session length asked for (900 to the target
	// role's MaxSessionDuration); 0: STS's default of 3600.
	DurationSeconds int `json:"duration_seconds,omitempty"`
	// ExpiredSeconds is the aliyun CLI's name for DurationSeconds; it is
	// used when DurationSeconds is not set.
	ExpiredSeconds int `json:"expired_seconds,omitempty"`
	// RegionID is the region outputs use for this profile.
	RegionID string `json:"region_id,omitempty"`

	extra map[string]json.RawMessage
}

// Duration is the duration asked for, in seconds (0: STS's default).
func (p ChainedProfile) Duration() int {
	if p.DurationSeconds != 0 {
		return p.DurationSeconds
	}
	return p.ExpiredSeconds
}

type chainedProfileJSON ChainedProfile

// keepChainedExtras remembers, for each chained profile, the keys this
// version does not know, so Save writes them back. (A custom
// UnmarshalJSON would do it too, but would make JSON errors inside a
// chained profile report offsets relative to that profile, not the file.)
func (s *Settings) keepChainedExtras() {
	var raw map[string]map[string]json.RawMessage
	if json.Unmarshal(s.raw["chainedProfiles"], &raw) != nil {
		return
	}
	known := jsonFields(reflect.TypeFor[chainedProfileJSON]())
	for name, keys := range raw {
		p, ok := s.ChainedProfiles[name]
		if !ok {
			continue
		}
		for k := range known {
			delete(keys, k)
		}
		if len(keys) > 0 {
			p.extra = keys
			s.ChainedProfiles[name] = p
		}
	}
}

// MarshalJSON writes a chained profile with the unknown keys it was read
// with.
func (p ChainedProfile) MarshalJSON() ([]byte, error) {
	known, err := json.Marshal(chainedProfileJSON(p))
	if err != nil || len(p.extra) == 0 {
		return known, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(known, &m); err != nil {
		return nil, err
	}
	for k, v := range p.extra {
		if _, ok := m[k]; !ok {
			m[k] = v
		}
	}
	return json.Marshal(m)
}

// RegionFor is the region configured for a profile: the "regions" setting
// by profile name, else by account id, else the chained profile's
// region_id; "" when none is configured (callers then use the session's
// own region and the "region" setting).
func (s *Settings) RegionFor(profile, accountID string) string {
	if s == nil {
		return ""
	}
	if r := strings.TrimSpace(s.Regions[profile]); r != "" {
		return r
	}
	if r := strings.TrimSpace(s.Regions[accountID]); accountID != "" && r != "" {
		return r
	}
	if c, ok := s.ChainedProfiles[profile]; ok {
		return strings.TrimSpace(c.RegionID)
	}
	return ""
}
