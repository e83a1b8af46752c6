package cli

import (
	"fmt"
	"sort"

	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/urlcheck"
)

// checkLoginURLs reports idpLoginURLs values ramsso will refuse to open
// (only https, http to loopback, never a leading '-').
func (d *doctor) checkLoginURLs(set *config.Settings) {
	keys := make([]string, 0, len(set.IdPLoginURLs))
	for k := range set.IdPLoginURLs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	bad := 0
	for _, k := range keys {
		if err := urlcheck.Openable(set.IdPLoginURLs[k]); err != nil {
			bad++
			d.add("login URLs", CheckFail, fmt.Sprintf("idpLoginURLs[%q]: %v", k, err), "use the IdP's https:// sign-in URL in settings.json")
		}
	}
	if bad == 0 && len(keys) > 0 {
		d.add("login URLs", CheckOK, fmt.Sprintf("%d IdP login URL(s), all https", len(keys)), "")
	}
}
