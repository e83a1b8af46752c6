package store

import (
	"context"
	"time"
)

// Probe asks the OS keyring one read-only question (a lookup of an item
// that does not exist), bounded like every keyring call, and touches no
// file: for `ramsso doctor`, which only looks. nil means the keyring
// answered.
func Probe(ctx context.Context) error {
	ks := &keyringStore{kr: newKeyring(), timeout: keyringTimeout, chunk: chunkSize}
	return ks.probe(ctx, false)
}

// ProbeTimeout is how long one keyring call may take before ramsso treats
// the keyring as not answering.
func ProbeTimeout() time.Duration { return keyringTimeout }
