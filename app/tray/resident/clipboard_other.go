//go:build !linux

package resident

// DefaultClipboard is the platform's clipboard: none yet outside Linux
// (Windows' clipboard is not owner-bound and needs the
// ExcludeClipboardContentFromMonitorProcessing, CanIncludeInClipboardHistory=0
// and CanUploadToCloudClipboard=0 formats; macOS's NSPasteboard needs
// org.nspasteboard.ConcealedType): copying says to use `ramsso env`.
// See docs/tray.md.
func DefaultClipboard() Clipboard { return nil }
