package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func configureCompletionCommand(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print a shell completion script (completes profile names too)",
		Long: `Print a completion script for your shell. Profile names complete from the
sessions ramsso holds.

  bash:       source <(ramsso completion bash)
  zsh:        ramsso completion zsh > "${fpath[1]}/_ramsso"
  fish:       ramsso completion fish > ~/.config/fish/completions/ramsso.fish
  powershell: ramsso completion powershell | Out-String | Invoke-Expression`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(app.Stdout, true)
			case "zsh":
				return root.GenZshCompletion(app.Stdout)
			case "fish":
				return root.GenFishCompletion(app.Stdout, true)
			case "powershell":
				return root.GenPowerShellCompletionWithDesc(app.Stdout)
			}
			return fmt.Errorf("unknown shell %q: use bash, zsh, fish or powershell", args[0])
		},
	}
}
