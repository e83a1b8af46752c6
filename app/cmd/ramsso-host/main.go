// Command ramsso-host is the native messaging host (com.ramsso.host) the
// ramsso browser extension starts.
package main

import (
	"os"

	"github.com/ramsso/ramsso/host"
	"github.com/ramsso/ramsso/internal/version"
)

func main() {
	// Hooks: the tray (internal/localapi) fills TrayAsker, StartTray
	// (host.StartSiblingTray) and NotifyTray; the aliyun CLI integration
	// fills ConfigureCLI.
	hooks := host.Hooks{}
	os.Exit(host.Main(os.Args[1:], version.Version, hooks))
}
