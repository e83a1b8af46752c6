// Command ramsso-host is the native messaging host (com.ramsso.host) the
// ramsso browser extension starts.
package main

import (
	"context"
	"os"

	"github.com/ramsso/ramsso/host"
	"github.com/ramsso/ramsso/internal/aliyuncfg"
	"github.com/ramsso/ramsso/internal/store"
	"github.com/ramsso/ramsso/internal/version"
)

func main() {
	// Hooks: the tray integration (internal/localapi) fills TrayAsker and
	// NotifyTray; the aliyun CLI integration fills ConfigureCLI. StartTray
	// is used only once a TrayAsker exists.
	hooks := host.Hooks{
		StartTray: host.StartSiblingTray,
		// With the configureCli setting on, every new session also gets an
		// External profile in the aliyun CLI's config.json (no secret there).
		ConfigureCLI: func(ctx context.Context, s store.Session) error {
			_, err := aliyuncfg.ConfigureProfile(ctx, s, aliyuncfg.Options{})
			return err
		},
	}
	os.Exit(host.Main(os.Args[1:], version.Version, hooks))
}
