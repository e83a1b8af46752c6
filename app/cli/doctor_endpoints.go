package cli

import (
	"strings"

	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/console"
	"github.com/ramsso/ramsso/internal/sts"
)

// checkEndpoints says which federation sign-in host each site uses and
// where that came from, and whether the STS VPC setting names a region
// Alibaba documents a VPC endpoint for.
func (d *doctor) checkEndpoints(set *config.Settings) {
	env := d.app.getenv(config.EnvSigninEndpoint)
	var parts []string
	for _, site := range []string{"china", "international"} {
		r := console.ResolveEndpoint(site, env, set.SigninEndpoint, set.SigninEndpoints)
		parts = append(parts, site+": "+r.Endpoint+" ("+r.Source+")")
	}
	if _, err := console.New(console.ResolveEndpoint("international", env, set.SigninEndpoint, set.SigninEndpoints).Endpoint, ""); err != nil {
		d.add("console sign-in", CheckFail, err.Error(), `fix "signinEndpoints"/"signinEndpoint" in settings.json or RAMSSO_SIGNIN_ENDPOINT`)
		return
	}
	d.add("console sign-in", CheckOK, strings.Join(parts, "; "), "")
	if set.STS.VPC && set.STS.Endpoint == "" && set.STS.Region != "" && !sts.HasVPCEndpoint(strings.ToLower(set.STS.Region)) {
		d.add("sts vpc", CheckFail, "Alibaba Cloud documents no STS VPC endpoint for region "+set.STS.Region,
			`set "sts": {"vpc": false} (public sts.`+set.STS.Region+`.aliyuncs.com), or give the host with "sts": {"endpoint": "HOST"}`)
	}
}
