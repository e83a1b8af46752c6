package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

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

// completeExecArgs completes `ramsso exec PROFILE -- CMD ARGS...`: a
// profile first, then (after --) a command from PATH, then files for the
// command's own arguments.
func completeExecArgs(app *App) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	profiles := completeProfiles(app)
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) == 0 {
			return profiles(cmd, args, toComplete)
		}
		// cmd.ArgsLenAtDash is unreliable during completion (cobra parses
		// the flags twice, once with a "--" of its own appended), so look
		// for the user's "--" in the raw command line.
		dash := execDashIndex(app.args)
		switch {
		case dash < 0:
			return nil, cobra.ShellCompDirectiveNoFileComp // "--" comes next
		case len(args) > dash:
			return nil, cobra.ShellCompDirectiveDefault // the command's arguments: files
		case strings.ContainsRune(toComplete, filepath.Separator):
			return nil, cobra.ShellCompDirectiveDefault // ./script, /usr/bin/x
		}
		return pathCommands(app.getenv("PATH"), toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// pathCommands lists the executables in the PATH directories whose names
// start with prefix, sorted and without duplicates.
func pathCommands(path, prefix string) []string {
	seen := map[string]bool{}
	var out []string
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			continue
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			name := e.Name()
			if !strings.HasPrefix(name, prefix) || seen[name] || e.IsDir() {
				continue
			}
			fi, err := os.Stat(filepath.Join(dir, name)) // follows symlinks
			if err != nil || fi.IsDir() {
				continue
			}
			if runtime.GOOS != "windows" && fi.Mode().Perm()&0o111 == 0 {
				continue
			}
			seen[name] = true
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// execDashIndex is how many positional arguments of `exec` come before the
// user's "--" (so 1 for `exec PROFILE -- …`), or -1 without one.
func execDashIndex(args []string) int {
	n, seen := 0, false
	for _, a := range args {
		switch {
		case !seen:
			seen = a == "exec"
		case a == "--":
			return n
		case !strings.HasPrefix(a, "-"):
			n++
		}
	}
	return -1
}
