package cli

import (
	"context"

	"github.com/spf13/cobra"
)

// ProcessInput is what `ramsso process` takes.
type ProcessInput struct {
	Profile string
}

func configureProcessCommand(app *App) *cobra.Command {
	var in ProcessInput
	return &cobra.Command{
		Use:   "process PROFILE",
		Short: "Print credentials for the aliyun CLI's External mode",
		Long: `Print the profile's credentials as the JSON the aliyun CLI's External mode
reads ({"mode":"StsToken",...}). Configure it with ramsso configure-cli, or by
hand: "mode": "External", "process_command": "/path/to/ramsso process PROFILE".

Use External profiles for the aliyun CLI only: credentials-go (the SDKs) writes
the returned keys back into config.json. Point SDKs and Terraform at
ramsso serve or ramsso exec instead.`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeProfiles(app),
		RunE: func(cmd *cobra.Command, args []string) error {
			in.Profile = args[0]
			return ProcessCommand(cmd.Context(), in, app)
		},
	}
}

// ProcessCommand prints the External-mode JSON for a live session.
func ProcessCommand(ctx context.Context, in ProcessInput, app *App) error {
	app.hotPath = true // the aliyun CLI runs this on every call
	s, err := liveSession(ctx, app, in.Profile)
	if err != nil {
		return err
	}
	c := s.Credentials
	return writeJSON(app.Stdout, processOutput{
		Mode:            "StsToken",
		AccessKeyID:     c.AccessKeyID,
		AccessKeySecret: c.AccessKeySecret,
		STSToken:        c.SecurityToken,
		Expiration:      c.ExpirationString(),
	})
}

type processOutput struct {
	Mode            string `json:"mode"`
	AccessKeyID     string `json:"access_key_id"`
	AccessKeySecret string `json:"access_key_secret"`
	STSToken        string `json:"sts_token"`
	Expiration      string `json:"expiration"`
}
