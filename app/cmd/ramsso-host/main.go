// Command ramsso-host is the native messaging host (com.ramsso.host) the
// ramsso browser extension starts.
package main

import (
	"os"

	"github.com/ramsso/ramsso/host"
	"github.com/ramsso/ramsso/internal/version"
)

func main() {
	// Hooks: the tray integration (internal/localapi) fills TrayAsker and
	// NotifyTray; the aliyun CLI integration fills ConfigureCLI. StartTray
	// is used only once a TrayAsker exists.
	hooks := host.Hooks{StartTray: host.StartSiblingTray}
	os.Exit(host.Main(os.Args[1:], version.Version, hooks))
}
