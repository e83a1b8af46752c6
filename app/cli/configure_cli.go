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
}

func configureConfigureCLICommand(app *App) *cobra.Command {
	var in ConfigureCLIInput
	cmd := &cobra.Command{
		Use:   "configure-cli [PROFILE...]",
		Short: "Write aliyun CLI profiles that get their credentials from ramsso",
		Long: `Write profiles named like ramsso's into the aliyun CLI's config file
(~/.aliyun/config.json or $ALIBABA_CLOUD_CONFIG_FILE), in External mode:
"process_command" runs "ramsso process PROFILE" by its absolute path, so no
secret is written there. Without PROFILE, every session's profile is written.

The file is edited, never rebuilt: other profiles, unknown keys, "current"
and "meta_path" stay as they are. The "configureCli" setting does this on
every new session.

--plaintext writes StsToken profiles holding the current keys instead, for
tools that cannot run a command; they go stale when the session expires.

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
	return cmd
}

// ConfigureCLICommand upserts the aliyun CLI profiles.
func ConfigureCLICommand(ctx context.Context, in ConfigureCLIInput, app *App) error {
	_, set, err := app.Settings()
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
	for _, name := range names {
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
		res, err := aliyuncfg.ConfigureProfile(ctx, *s, aliyuncfg.Options{Path: path, Exe: exe, Region: set.Region, Plaintext: in.Plaintext})
		if err != nil {
			return err
		}
		verb := "updated"
		if res.Created {
			verb = "added"
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
	fmt.Fprintf(app.Stderr, "ramsso: use it with: aliyun --profile %s ...\n", names[0])
	return nil
}
