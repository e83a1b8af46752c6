//go:build !linux

package resident

// DefaultNotifier is the platform's notifier: none yet outside Linux, so
// notifications go to tray.log. (Fyne's Windows notifications run
// PowerShell from a temporary script, which endpoint security flags, and
// toast actions need a registered AUMID; macOS needs a bundle id: see
// docs/tray.md.)
func DefaultNotifier() Notifier { return nil }
