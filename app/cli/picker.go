package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/textsafe"
)

// errPickCancelled is returned when the user leaves the picker.
var errPickCancelled = errors.New("no role chosen: cancelled")

// pickRole is the terminal picker: roles grouped by account and numbered;
// the user types a number, or words that filter the list (a filter that
// leaves one role picks it). An empty line or end of input cancels.
func pickRole(r io.Reader, w io.Writer, roles []saml.Role, aliases map[string]string) (saml.Role, error) {
	in := bufio.NewScanner(r)
	shown := roles
	filter := ""
	for {
		numbered := printRoleGroups(w, shown, aliases)
		if filter != "" {
			fmt.Fprintf(w, "(filter %q: %d of %d roles)\n", filter, len(shown), len(roles))
		}
		fmt.Fprint(w, "Role number, or words to filter (empty line cancels): ")
		if !in.Scan() {
			fmt.Fprintln(w)
			return saml.Role{}, errPickCancelled
		}
		line := strings.TrimSpace(in.Text())
		if line == "" {
			return saml.Role{}, errPickCancelled
		}
		if n, err := strconv.Atoi(line); err == nil {
			if n >= 1 && n <= len(numbered) {
				return numbered[n-1], nil
			}
			fmt.Fprintf(w, "No role %d: choose 1 to %d.\n", n, len(numbered))
			continue
		}
		next := capture.FilterRoles(roles, line, aliases)
		switch len(next) {
		case 0:
			fmt.Fprintf(w, "No role matches %q.\n", line)
		case 1:
			return next[0], nil
		default:
			shown, filter = next, line
		}
	}
}

// printRoleGroups prints roles grouped by account and returns them in the
// order they were numbered.
func printRoleGroups(w io.Writer, roles []saml.Role, aliases map[string]string) []saml.Role {
	var numbered []saml.Role
	for _, g := range capture.GroupByAccount(roles, aliases) {
		fmt.Fprintf(w, "%s\n", g.Label())
		for _, r := range g.Roles {
			numbered = append(numbered, r)
			fmt.Fprintf(w, "  %2d) %s\n", len(numbered), textsafe.Escape(r.RoleName))
		}
	}
	return numbered
}
