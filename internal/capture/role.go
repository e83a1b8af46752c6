package capture

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/textsafe"
)

// SelectRole finds the role that spec names among roles. spec is a role
// ARN, `ACCOUNT/ROLE` where ACCOUNT is an account id or an alias from
// aliases (account id → alias), or a role name that is unique in roles.
// Matching of names and aliases is case-insensitive, as RAM's is.
func SelectRole(roles []saml.Role, spec string, aliases map[string]string) (saml.Role, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return saml.Role{}, fmt.Errorf("empty role: give a role ARN, ACCOUNT/ROLE or a role name")
	}
	if strings.HasPrefix(strings.ToLower(spec), "acs:") {
		arn := spec
		if i := strings.IndexByte(arn, ','); i >= 0 { // "roleArn,providerArn" as the console sends it
			arn = strings.TrimSpace(arn[:i])
		}
		for _, r := range roles {
			if strings.EqualFold(r.RoleArn, arn) {
				return r, nil
			}
		}
		return saml.Role{}, fmt.Errorf("role %s is not in the assertion; it allows: %s", arn, RoleList(roles, aliases))
	}
	var matches []saml.Role
	if acct, name, ok := strings.Cut(spec, "/"); ok {
		for _, r := range roles {
			if !strings.EqualFold(r.RoleName, name) {
				continue
			}
			if r.AccountID == acct || strings.EqualFold(aliases[r.AccountID], acct) {
				matches = append(matches, r)
			}
		}
	} else {
		for _, r := range roles {
			if strings.EqualFold(r.RoleName, spec) {
				matches = append(matches, r)
			}
		}
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return saml.Role{}, fmt.Errorf("no role %q in the assertion; it allows: %s", spec, RoleList(roles, aliases))
	default:
		return saml.Role{}, fmt.Errorf("role %q is ambiguous (%d accounts have it): use ACCOUNT/ROLE or the role ARN; it allows: %s", spec, len(matches), RoleList(roles, aliases))
	}
}

// RoleLabel is how a role is shown to a user: `alias/role` or `id/role`.
func RoleLabel(r saml.Role, aliases map[string]string) string {
	// Account ids and role names come from the unverified assertion.
	if a := aliases[r.AccountID]; a != "" {
		return a + "/" + textsafe.Escape(r.RoleName)
	}
	return textsafe.Escape(r.AccountID + "/" + r.RoleName)
}

// RoleList is a one-line, comma-separated list of role labels.
func RoleList(roles []saml.Role, aliases map[string]string) string {
	labels := make([]string, len(roles))
	for i, r := range roles {
		labels[i] = RoleLabel(r, aliases)
	}
	return strings.Join(labels, ", ")
}

// AccountGroup is the roles of one account, for pickers.
type AccountGroup struct {
	AccountID string
	Alias     string
	Roles     []saml.Role
}

// Label is the alias when known, else the account id.
func (g AccountGroup) Label() string {
	if g.Alias != "" {
		return g.Alias + " (" + textsafe.Escape(g.AccountID) + ")"
	}
	return textsafe.Escape(g.AccountID)
}

// GroupByAccount groups roles by account, accounts sorted by label and
// roles by name, as every picker shows them.
func GroupByAccount(roles []saml.Role, aliases map[string]string) []AccountGroup {
	idx := map[string]int{}
	var groups []AccountGroup
	for _, r := range roles {
		i, ok := idx[r.AccountID]
		if !ok {
			i = len(groups)
			idx[r.AccountID] = i
			groups = append(groups, AccountGroup{AccountID: r.AccountID, Alias: aliases[r.AccountID]})
		}
		groups[i].Roles = append(groups[i].Roles, r)
	}
	sort.SliceStable(groups, func(i, j int) bool {
		return strings.ToLower(groups[i].Label()) < strings.ToLower(groups[j].Label())
	})
	for _, g := range groups {
		sort.SliceStable(g.Roles, func(i, j int) bool {
			return strings.ToLower(g.Roles[i].RoleName) < strings.ToLower(g.Roles[j].RoleName)
		})
	}
	return groups
}

// FilterRoles keeps the roles that RoleMatches every space-separated word
// of query (case-insensitive).
func FilterRoles(roles []saml.Role, query string, aliases map[string]string) []saml.Role {
	words := strings.Fields(strings.ToLower(query))
	if len(words) == 0 {
		return roles
	}
	var out []saml.Role
	for _, r := range roles {
		if RoleMatches(r, aliases, words) {
			out = append(out, r)
		}
	}
	return out
}

// RoleMatches reports whether every word (lower case) is part of the
// role's account id, account alias, role name or label (`alias/role`,
// `id/role`). The rest of the ARN is deliberately not searched: its fixed
// parts ("acs:ram::", ":role/") match every role, so typing them would
// filter nothing.
func RoleMatches(r saml.Role, aliases map[string]string, words []string) bool {
	hay := strings.ToLower(r.AccountID + "\x00" + aliases[r.AccountID] + "\x00" + r.RoleName + "\x00" + RoleLabel(r, aliases))
	for _, w := range words {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}
