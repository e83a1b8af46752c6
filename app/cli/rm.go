package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ramsso/ramsso/internal/creds"
	"github.com/ramsso/ramsso/internal/store"
)

// RmInput is what `ramsso rm` takes.
type RmInput struct {
	Profiles []string
	Expired  bool // every session with less than 5 minutes left
	All      bool // every session
}

func configureRmCommand(app *App) *cobra.Command {
	var in RmInput
	cmd := &cobra.Command{
		Use:     "rm PROFILE... | --expired | --all",
		Aliases: []string{"remove"},
		Short:   "Remove stored sessions and their secrets",
		Long: `Remove sessions and their secrets from the store. --expired removes every
session with less than 5 minutes left (what ramsso counts as expired);
--all removes every session.`,
		Example: `  ramsso rm prod-admin
  ramsso rm --expired
  ramsso rm --all`,
		ValidArgsFunction: completeProfiles(app),
		RunE: func(cmd *cobra.Command, args []string) error {
			in.Profiles = args
			return RmCommand(cmd.Context(), in, app)
		},
	}
	cmd.Flags().BoolVar(&in.Expired, "expired", false, "remove every expired session")
	cmd.Flags().BoolVar(&in.All, "all", false, "remove every session")
	return cmd
}

// RmCommand deletes the named sessions, or the expired ones, or all.
func RmCommand(ctx context.Context, in RmInput, app *App) error {
	bulk := in.Expired || in.All
	switch {
	case in.Expired && in.All:
		return errors.New("--expired and --all: give one of them")
	case bulk && len(in.Profiles) > 0:
		return errors.New("give profile names or --expired/--all, not both")
	case !bulk && len(in.Profiles) == 0:
		return errors.New("nothing to remove: give a PROFILE, --expired or --all (see ramsso rm --help)")
	}
	st, err := app.Store(ctx)
	if err != nil {
		return err
	}
	if !bulk {
		for _, p := range in.Profiles {
			if err := st.Delete(ctx, p); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					return noSessionError(ctx, st, p)
				}
				return fmt.Errorf("remove %s: %w", p, err)
			}
			fmt.Fprintf(app.Stderr, "ramsso: removed %s\n", p)
		}
		return nil
	}
	list, err := st.List(ctx)
	if err != nil {
		return fmt.Errorf("list sessions: %w", err)
	}
	now := app.now()
	n := 0
	for _, s := range list {
		if in.Expired && !(creds.Credentials{Expiration: s.Expiration}).Expired(now) {
			continue
		}
		if err := st.Delete(ctx, s.Profile); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("remove %s (after removing %d): %w", s.Profile, n, err)
		}
		fmt.Fprintf(app.Stderr, "ramsso: removed %s\n", s.Profile)
		n++
	}
	what := "sessions"
	if in.Expired {
		what = "expired sessions"
	}
	fmt.Fprintf(app.Stderr, "ramsso: removed %d %s\n", n, what)
	return nil
}
