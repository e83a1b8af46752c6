package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ramsso/ramsso/internal/rolepicker"
	"github.com/ramsso/ramsso/internal/saml"
)

// errPickInterrupted is the picker's Ctrl-C: exit 130 as a shell would for
// SIGINT, after saying so.
var errPickInterrupted = &ExitError{Code: 130}

// pickRole runs the terminal picker (internal/rolepicker) on tty and
// returns the role and the duration to ask for. Esc is an error (exit 1);
// Ctrl-C prints the same line and exits 130.
func pickRole(ctx context.Context, tty io.ReadWriter, stderr io.Writer, opts rolepicker.Options) (saml.Role, time.Duration, error) {
	role, dur, err := rolepicker.Run(ctx, tty, tty, opts)
	if errors.Is(err, rolepicker.ErrInterrupted) {
		fmt.Fprintln(stderr, "ramsso: "+err.Error())
		return saml.Role{}, 0, errPickInterrupted
	}
	return role, dur, err
}
