package cli

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/ramsso/ramsso/internal/localapi"
	"github.com/ramsso/ramsso/internal/proc"
)

// checkTrayParts checks the tray's second process (ramsso-tray-ui, the
// picker and settings windows, beside ramsso-tray) and, when the tray
// runs, whether a tray host shows its icon.
func (d *doctor) checkTrayParts(ctx context.Context, dir, home string) {
	ui := filepath.Join(dir, proc.ExeName(runtime.GOOS, proc.TrayUI))
	if _, err := os.Stat(ui); err != nil {
		d.add("tray windows", CheckWarn, ui+" is missing: the tray cannot show its picker or settings (roles are chosen in the extension's popup instead)",
			"install ramsso-tray-ui beside ramsso-tray (`make build` builds both)")
	} else {
		d.add("tray windows", CheckOK, ui+" is installed (started only while a window is open)", "")
	}
	if !localapi.Running(home) {
		return
	}
	c := localapi.Dial(home)
	defer c.Close()
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	st, err := c.Ping(pctx)
	if err != nil || st.Tray || runtime.GOOS != "linux" {
		return
	}
	d.add("tray icon", CheckWarn, "the tray runs but no tray host shows its icon (no StatusNotifierWatcher on the session bus: stock GNOME, i3bar)",
		"on GNOME install and enable the AppIndicator extension (gnome-shell-extension-appindicator); meanwhile the ramsso launcher opens the sessions window")
}
