package cli

import (
	"fmt"
	"sort"

	"github.com/ramsso/ramsso/internal/chain"
	"github.com/ramsso/ramsso/internal/config"
)

// checkChains checks every chained profile definition (fields, cycles,
// depth) without calling STS.
func (d *doctor) checkChains(set *config.Settings) {
	if set == nil || len(set.ChainedProfiles) == 0 {
		return
	}
	r := &chain.Resolver{Settings: set}
	names := make([]string, 0, len(set.ChainedProfiles))
	for n := range set.ChainedProfiles {
		names = append(names, n)
	}
	sort.Strings(names)
	bad := 0
	for _, n := range names {
		_, err := r.Path(n)
		if err != nil {
			bad++
			d.add("chained profile "+n, CheckFail, err.Error(), "fix \"chainedProfiles\" in settings.json (see the README's Chained profiles section)")
			continue
		}
	}
	if bad == 0 {
		d.add("chained profiles", CheckOK, fmt.Sprintf("%d defined, each ends at a SAML profile", len(names)), "")
	}
}
