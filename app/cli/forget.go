package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/ramsso/ramsso/internal/capture"
)

// ForgetInput is what `ramsso forget` takes.
type ForgetInput struct {
	IdP  string // an Issuer whose remembered choices go
	All  bool   // forget every remembered choice
	List bool   // only list them
	JSON bool   // --list as JSON
}

func configureForgetCommand(app *App) *cobra.Command {
	var in ForgetInput
	cmd := &cobra.Command{
		Use:   "forget [IDP] [--all] [--list]",
		Short: "List or forget the remembered role choices",
		Long: `When a login carries several roles and you tick "remember" (in the tray's
picker or the extension's popup), ramsso uses that role for later logins
from the same IdP with the same roles, without asking. forget removes those
answers: for one IdP (its Issuer, as --list shows it) or --all. Without
arguments, or with --list, it lists them.`,
		Example: `  ramsso forget --list
  ramsso forget https://idp.example.com/app/alibaba
  ramsso forget --all`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeIssuers(app),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				in.IdP = args[0]
			}
			return ForgetCommand(cmd.Context(), in, app)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&in.All, "all", false, "forget every remembered choice")
	f.BoolVarP(&in.List, "list", "l", false, "list the remembered choices")
	f.BoolVar(&in.JSON, "json", false, "with --list: print JSON")
	return cmd
}

// ForgetCommand lists or removes remembered choices.
func ForgetCommand(ctx context.Context, in ForgetInput, app *App) error {
	home, _, err := app.Settings()
	if err != nil {
		return err
	}
	st := &capture.State{Home: home, Now: app.Now}
	switch {
	case in.List && (in.All || in.IdP != ""):
		return errors.New("--list only lists: drop it to forget")
	case in.All && in.IdP != "":
		return errors.New("give an IDP or --all, not both")
	case in.All:
		list, err := st.Choices()
		if err != nil {
			return err
		}
		if err := st.ForgetChoices(ctx); err != nil {
			return fmt.Errorf("forget choices: %w", err)
		}
		fmt.Fprintf(app.Stderr, "ramsso: forgot %d remembered choice(s)\n", len(list))
		return nil
	case in.IdP != "":
		n, err := st.ForgetIssuer(ctx, in.IdP)
		if err != nil {
			return fmt.Errorf("forget choices: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("no remembered choice for IdP %q: see ramsso forget --list", in.IdP)
		}
		fmt.Fprintf(app.Stderr, "ramsso: forgot %d remembered choice(s) for %s\n", n, printable(in.IdP))
		return nil
	}
	list, err := st.Choices()
	if err != nil {
		return err
	}
	if in.JSON {
		if list == nil {
			list = []capture.RememberedChoice{}
		}
		return writeJSON(app.Stdout, list)
	}
	if len(list) == 0 {
		fmt.Fprintln(app.Stderr, "ramsso: no remembered role choices")
		return nil
	}
	tw := tabwriter.NewWriter(app.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IDP\tROLE\tSAVED")
	for _, c := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", printable(c.Issuer), printable(c.RoleArn), fmtTime(c.Saved))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if !in.List {
		fmt.Fprintln(app.Stderr, "ramsso: forget one IdP's with: ramsso forget IDP; all with: ramsso forget --all")
	}
	return nil
}

// completeIssuers completes the IdPs that have remembered choices.
func completeIssuers(app *App) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		home, _, err := app.Settings()
		if len(args) > 0 || err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		list, _ := (&capture.State{Home: home}).Choices()
		seen := map[string]bool{}
		var out []string
		for _, c := range list {
			if strings.HasPrefix(c.Issuer, toComplete) && !seen[c.Issuer] {
				seen[c.Issuer] = true
				out = append(out, c.Issuer)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// printable replaces control characters (from unverified assertion fields
// such as the Issuer) so they cannot drive the user's terminal.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
}
