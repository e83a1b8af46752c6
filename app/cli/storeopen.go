package cli

import (
	"context"

	"github.com/ramsso/ramsso/internal/store"
)

// openStore opens the configured store and returns the one-time notice to
// print when ramsso fell back from the keyring to the file store.
func openStore(ctx context.Context, home, kind string) (store.Store, string, error) {
	st, err := store.Open(ctx, home, kind)
	if err != nil {
		return nil, "", err
	}
	return st, store.Notice(st), nil
}
