//go:build !linux && !windows

package resident

// DefaultClipboard is the platform's clipboard: none yet on macOS (its
// NSPasteboard needs cgo and org.nspasteboard.ConcealedType for secrets):
// copying says to use `ramsso env`. See docs/tray.md.
func DefaultClipboard() Clipboard { return nil }
