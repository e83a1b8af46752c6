package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/ramsso/ramsso/internal/store"
)

// openStore opens the configured store and returns the one-time notice to
// print when ramsso fell back from the keyring to the file store.
//
// With heal set (commands a person runs, not `process` or `serve`, which
// the SDKs and the aliyun CLI call all the time), a recorded fallback is
// first retried (store.Heal: only when the Secret Service is reachable, at
// most every store.HealInterval), and the sessions go back to the keyring
// when it answers.
func openStore(ctx context.Context, home, kind string, heal bool) (store.Store, string, error) {
	healed := ""
	if heal && kind != store.KindFile {
		if res, err := store.Heal(ctx, home, time.Now()); err != nil {
			healed = "ramsso: the OS keyring answers again, but moving the sessions back failed: " + err.Error()
		} else if res.Healed {
			healed = fmt.Sprintf("ramsso: the OS keyring answers again; moved %d session(s) back from the file store", res.Moved)
		}
	}
	st, err := store.Open(ctx, home, kind)
	if err != nil {
		return nil, "", err
	}
	if n := store.Notice(st); n != "" {
		return st, n, nil
	}
	return st, healed, nil
}
