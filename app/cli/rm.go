package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ramsso/ramsso/internal/store"
)

// RmInput is what `ramsso rm` takes.
type RmInput struct {
	Profile string
}

func configureRmCommand(app *App) *cobra.Command {
	var in RmInput
	return &cobra.Command{
		Use:               "rm PROFILE",
		Aliases:           []string{"remove"},
		Short:             "Remove a stored session and its secrets",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeProfiles(app),
		RunE: func(cmd *cobra.Command, args []string) error {
			in.Profile = args[0]
			return RmCommand(cmd.Context(), in, app)
		},
	}
}

// RmCommand deletes a session.
func RmCommand(ctx context.Context, in RmInput, app *App) error {
	st, err := app.Store(ctx)
	if err != nil {
		return err
	}
	if err := st.Delete(ctx, in.Profile); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return noSessionError(ctx, st, in.Profile)
		}
		return fmt.Errorf("remove %s: %w", in.Profile, err)
	}
	fmt.Fprintf(app.Stderr, "ramsso: removed %s\n", in.Profile)
	return nil
}
