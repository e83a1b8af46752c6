package cli

import (
	"context"

	"github.com/spf13/cobra"
)

// EnvInput is what `ramsso env` takes.
type EnvInput struct {
	Profile string
	Format  string
}

func configureEnvCommand(app *App) *cobra.Command {
	var in EnvInput
	cmd := &cobra.Command{
		Use:   "env PROFILE",
		Short: "Print a profile's credentials as environment variables (SDKs, aliyun, Terraform)",
		Long: `Print the profile's credentials as environment variables for the Alibaba
Cloud SDKs and CLI (ALIBABA_CLOUD_*) and Terraform's alicloud provider
(ALICLOUD_*), including the region when known.`,
		Example: `  eval "$(ramsso env prod-admin)"
  ramsso env prod-admin --format fish | source
  ramsso env prod-admin --format powershell | Invoke-Expression
  ramsso env prod-admin --format dotenv > .env`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeProfiles(app),
		RunE: func(cmd *cobra.Command, args []string) error {
			in.Profile = args[0]
			return EnvCommand(cmd.Context(), in, app)
		},
	}
	cmd.Flags().StringVar(&in.Format, "format", "sh", "sh, fish, powershell, dotenv or json")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(envFormats, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// EnvCommand prints the profile's variables in the chosen format.
func EnvCommand(ctx context.Context, in EnvInput, app *App) error {
	if err := writeEnv(discard{}, in.Format, nil); err != nil {
		return err
	}
	s, err := liveSession(ctx, app, in.Profile)
	if err != nil {
		return err
	}
	return writeEnv(app.Stdout, in.Format, envVars(s, sessionRegion(app, s)))
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
