package cli

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/ramsso/ramsso/internal/config"
)

// hostHome is the RAMSSO_HOME the host sees: the default, since the
// browser starts it without the shell's environment.
func (d *doctor) hostHome() string {
	h, _ := config.DefaultHome(runtime.GOOS, d.app.getenv)
	return h
}

// checkHostView compares what this shell resolves with what the host
// resolves from its settings file alone (config.Resolve(nil, ...)), and
// returns the host's view.
func (d *doctor) checkHostView(home string, set *config.Settings) config.Effective {
	g := d.app.getenv
	hostHome := d.hostHome()
	hostSet := set
	if v := g(config.EnvHome); v != "" && filepath.Clean(v) != filepath.Clean(hostHome) {
		d.add("host environment", CheckWarn,
			fmt.Sprintf("this shell sets RAMSSO_HOME=%s, but ramsso-host (started by the browser) uses %s", v, hostHome),
			"unset RAMSSO_HOME so the CLI and the host share "+hostHome+" (the host cannot see shell variables)")
		if s, err := config.Load(hostHome); err == nil {
			hostSet = s
		} else {
			hostSet = &config.Settings{}
		}
	}
	shell, host := config.Resolve(g, hostSet), config.Resolve(nil, hostSet)
	warned := false
	for _, k := range config.Knobs {
		sv, hv := strings.TrimSpace(k.Value(shell)), strings.TrimSpace(k.Value(host))
		if sv == hv {
			continue
		}
		warned = true
		d.add("host environment", CheckWarn,
			fmt.Sprintf("this shell sets %s=%s but ramsso-host will not see it (it reads %q from settings.json: %q)", k.Env, sv, k.Key, hv),
			fmt.Sprintf("set %s in %s", fmt.Sprintf(k.Example, sv), config.Path(hostHome)))
	}
	if !warned {
		d.add("host environment", CheckOK, "ramsso-host reads the same settings as this shell ("+config.Path(hostHome)+")", "")
	}
	return host
}
