package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ramsso/ramsso/internal/aliyuncfg"
	"github.com/ramsso/ramsso/internal/store"
)

// ConfigureCLIInput is what `ramsso configure-cli` takes.
type ConfigureCLIInput struct {
	Profiles  []string
	Plaintext bool
	// Name is the aliyun CLI profile name (one PROFILE only).
	Name string
	// SetCurrent makes the (last) profile config.json's current one.
	SetCurrent bool
	// Force replaces a same-named profile ramsso did not write, after a
	// 0600 backup beside the file.
	Force bool
}

func configureConfigureCLICommand(app *App) *cobra.Command {
	var in ConfigureCLIInput
	cmd := &cobra.Command{
		Use:   "configure-cli [PROFILE...]",
		Short: "Write aliyun CLI profiles that get their credentials from ramsso",
		Long: `Write profiles named like ramsso's into the aliyun CLI's config file
(~/.aliyun/config.json: the one file the aliyun CLI reads; it ignores
$ALIBABA_CLOUD_CONFIG_FILE), in External mode: "process_command" runs
"ramsso process PROFILE" by its absolute path, so no secret is written there.
Without PROFILE, every session's profile is written.

The file is edited, never rebuilt: other profiles, unknown keys, "current"
and "meta_path" stay as they are; a symlinked config.json is written through
to its target. ramsso changes only profiles it wrote itself (External mode
running ramsso process): a same-named profile of yours is refused — pick
another name with --name, or replace it with --force, which first writes a
0600 backup beside the file. "current" is set only with --set-current (an
External profile that is current is run by every SDK's default chain, which
then writes plaintext keys into config.json). The "configureCli" setting
does this on every new session.

--plaintext writes StsToken profiles holding the current keys instead, for
tools that cannot run a command; they go stale when the session expires,
and the file is made owner-only (0600).

External profiles are for the aliyun CLI: credentials-go (the SDKs) writes the
keys back into config.json. Point SDKs and Terraform at ramsso serve or
ramsso exec.`,
		Example: `  ramsso configure-cli
  ramsso configure-cli prod-admin && aliyun --profile prod-admin ecs DescribeRegions`,
		ValidArgsFunction: completeProfiles(app),
		RunE: func(cmd *cobra.Command, args []string) error {
			in.Profiles = args
			return ConfigureCLICommand(cmd.Context(), in, app)
		},
	}
	cmd.Flags().BoolVar(&in.Plaintext, "plaintext", false, "write StsToken profiles with the keys themselves (they go stale)")
	cmd.Flags().StringVar(&in.Name, "name", "", "name of the aliyun CLI profile (default: the ramsso profile's; one PROFILE only)")
	cmd.Flags().BoolVar(&in.SetCurrent, "set-current", false, "make the profile config.json's \"current\" one")
	cmd.Flags().BoolVar(&in.Force, "force", false, "replace a same-named profile ramsso did not write (after a 0600 backup)")
	return cmd
}

// ConfigureCLICommand upserts the aliyun CLI profiles.
func ConfigureCLICommand(ctx context.Context, in ConfigureCLIInput, app *App) error {
	if in.Name != "" && len(in.Profiles) != 1 {
		return errors.New("--name names one aliyun CLI profile: give exactly one PROFILE with it")
	}
	home, _, _ := app.Settings()
	eff, err := app.Effective()
	if err != nil {
		return err
	}
	if in.Plaintext {
		pol, err := app.AdminPolicy()
		if err == nil {
			err = pol.CheckPlaintextProfiles()
		}
		if err != nil {
			return err
		}
	}
	st, err := app.Store(ctx)
	if err != nil {
		return err
	}
	path, err := aliyuncfg.Path(app.getenv)
	if err != nil {
		return err
	}
	names := in.Profiles
	if len(names) == 0 {
		list, err := st.List(ctx)
		if err != nil {
			return fmt.Errorf("listing sessions: %w", err)
		}
		if len(list) == 0 {
			return errors.New("no sessions yet: log in through your IdP or run ramsso assume first")
		}
		for _, s := range list {
			names = append(names, s.Profile)
		}
	}
	exe, err := aliyuncfg.RamssoPath()
	if err != nil {
		return err
	}
	tightened := false
	for i, name := range names {
		var s *store.Session
		if in.Plaintext {
			s, err = liveSession(ctx, app, name)
		} else {
			s, err = st.Get(ctx, name)
			if errors.Is(err, store.ErrNotFound) {
				err = noSessionError(ctx, st, name)
			}
		}
		if err != nil {
			return err
		}
		if r := eff.Settings.RegionFor(s.Profile, s.AccountID); r != "" {
			s.Region = r // the one region rule (config.Effective.RegionFor)
		}
		res, err := aliyuncfg.ConfigureProfile(ctx, *s, aliyuncfg.Options{Path: path, Exe: exe, Region: eff.RegionFor(""),
			Plaintext: in.Plaintext, Name: in.Name, Force: in.Force, Home: home,
			SetCurrent: in.SetCurrent && i == len(names)-1})
		if err != nil {
			return err
		}
		if res.Backup != "" {
			fmt.Fprintf(app.Stderr, "ramsso: backed up %s to %s before replacing profile %s (--force)\n", path, res.Backup, res.Name)
		}
		if res.Tightened != 0 && !tightened {
			tightened = true
			fmt.Fprintf(app.Stderr, "ramsso: made %s owner-only (0600, was %04o): it holds keys now\n", res.File, res.Tightened)
		}
		verb := "updated"
		switch {
		case res.Created:
			verb = "added"
		case res.Replaced:
			verb = "replaced"
		}
		mode := aliyuncfg.ModeExternal
		if in.Plaintext {
			mode = aliyuncfg.ModeStsToken
		}
		fmt.Fprintf(app.Stderr, "ramsso: %s aliyun CLI profile %s (%s, region %s) in %s\n", verb, res.Name, mode, res.Region, path)
		if in.Plaintext {
			fmt.Fprintf(app.Stderr, "ramsso: its keys expire at %s; run ramsso configure-cli --plaintext %s again after the next login\n", fmtTime(s.Credentials.Expiration), name)
		}
	}
	use := names[0]
	if in.Name != "" {
		use = in.Name
	}
	fmt.Fprintf(app.Stderr, "ramsso: use it with: aliyun --profile %s ...\n", use)
	return nil
}
