package cli

import (
	"os"
	"runtime"
	"strings"

	"github.com/ramsso/ramsso/internal/browsers"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/policy"
)

// browserPolicyRoot prefixes the managed browser policy files and the
// machine-wide manifests doctor reads; tests point it at a temp tree.
var browserPolicyRoot = ""

// checkBrowserPolicy reads the browsers' managed policy (Linux JSON) and
// names every policy that blocks ramsso and what IT must set; on macOS and
// Windows it says where the policy lives.
func (d *doctor) checkBrowserPolicy(set *config.Settings) {
	if runtime.GOOS != "linux" {
		var where []string
		for _, id := range []string{"chrome", "edge", "firefox"} {
			spec, _ := browsers.Lookup(id)
			where = append(where, spec.Name+": "+strings.Join(browsers.PolicyLocations(spec, runtime.GOOS), " or "))
		}
		d.add("browser policy", CheckOK, "not read on "+runtime.GOOS+"; managed policy lives in "+strings.Join(where, "; "),
			"if capture never starts, ask IT whether ExtensionInstallBlocklist, NativeMessagingBlocklist or NativeMessagingUserLevelHosts block ramsso (docs/deploy.md)")
		return
	}
	ids := []string{browsers.ChromeExtensionID}
	for _, id := range set.AllowedExtensionIDs {
		if browsers.IsChromeID(id) && id != browsers.ChromeExtensionID {
			ids = append(ids, id)
		}
	}
	found := false
	seen := map[string]bool{}
	for _, spec := range browsers.Known {
		name := "browser policy (" + spec.Name + ")"
		if spec.Family == browsers.Firefox {
			p, err := browsers.ReadFirefoxPolicy(browserPolicyRoot)
			if err != nil {
				d.add(name, CheckWarn, err.Error(), "ask IT to fix the file")
				continue
			}
			if len(p.Files) == 0 {
				continue
			}
			found = true
			d.reportBlockers(name, p.Files, browsers.FirefoxBlockers(p, browsers.FirefoxExtensionID))
			continue
		}
		p, err := browsers.ReadChromePolicy(spec, browserPolicyRoot)
		if err != nil {
			d.add(name, CheckWarn, err.Error(), "ask IT to fix the file")
			continue
		}
		if len(p.Files) == 0 || seen[strings.Join(p.Files, ",")] {
			continue
		}
		seen[strings.Join(p.Files, ",")] = true
		found = true
		system := false
		if t, err := browsers.SystemTarget(spec, browsers.SystemEnv{GOOS: runtime.GOOS, Root: browserPolicyRoot}); err == nil {
			_, serr := os.Stat(t.ManifestPath)
			system = serr == nil
		}
		d.reportBlockers(name, p.Files, browsers.ChromeBlockers(p, ids, system))
	}
	if !found {
		d.add("browser policy", CheckOK, "no managed browser policy on this machine", "")
	}
}

func (d *doctor) reportBlockers(name string, files []string, blockers []browsers.Blocker) {
	if len(blockers) == 0 {
		d.add(name, CheckOK, "managed policy ("+strings.Join(files, ", ")+") allows ramsso", "")
		return
	}
	for _, b := range blockers {
		d.add(name, CheckFail, b.Policy+" "+b.Reason+" ("+strings.Join(files, ", ")+")", b.Fix)
	}
}

// checkAdminPolicy shows the administrator's ramsso policy.
func (d *doctor) checkAdminPolicy() {
	pol, err := d.app.AdminPolicy()
	switch {
	case err != nil:
		d.add("admin policy", CheckFail, err.Error(), "ask IT to fix the policy file; ramsso refuses what it guards until then")
	case !pol.Active():
		d.add("admin policy", CheckOK, "none (no "+policy.SystemPath(runtime.GOOS, d.app.getenv("ProgramData"))+")", "")
	default:
		d.add("admin policy", CheckOK, strings.Join(pol.Sources, ", ")+": "+strings.Join(pol.Summary(), "; "), "")
	}
}
