//go:build !linux

package store

import "context"

// secretServiceUp: macOS Keychain and Windows Credential Manager are part
// of the OS; only the rate limit applies.
func secretServiceUp(context.Context) error { return nil }
