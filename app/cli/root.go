package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ramsso/ramsso/internal/version"
)

// NewRootCommand wires every command to app.
func NewRootCommand(app *App) *cobra.Command {
	root := &cobra.Command{
		Use:   "ramsso",
		Short: "Alibaba Cloud credentials from your SAML SSO login",
		Long: `ramsso turns an Alibaba Cloud role-based SAML SSO login into temporary STS
credentials for the aliyun CLI, the SDKs and Terraform, kept in the OS keyring.

Log in to the console through your IdP as usual and the browser extension
hands the SAMLResponse to ramsso; or exchange one yourself with ramsso assume.

Environment: RAMSSO_HOME (config and state directory), RAMSSO_STORE (keyring or
file), RAMSSO_STS_ENDPOINT, RAMSSO_NO_BROWSER, RAMSSO_PROXY.`,
		Version:           version.Version,
		SilenceUsage:      true,
		SilenceErrors:     true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.SetIn(app.Stdin)
	root.SetOut(app.Stdout)
	root.SetErr(app.Stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w (see %s --help)", err, c.CommandPath())
	})
	root.AddCommand(
		configureDecodeCommand(app),
		configureAssumeCommand(app),
		configureListCommand(app),
		configureEnvCommand(app),
		configureExecCommand(app),
		configureProcessCommand(app),
		configureRmCommand(app),
		configureCompletionCommand(app),
		configureEmulatorCommand(app),
		configureTestIdPCommand(app),
		configureDemoCommand(app),
		configureConfigureCLICommand(app),
		configureServeCommand(app),
		configureConsoleCommand(app),
		configureLoginCommand(app),
		configureInstallCommand(app),
		configureDoctorCommand(app),
		configureTrayCommand(app),
		configureWhoamiCommand(app),
		configureForgetCommand(app),
		configureCopyCommand(app),
		configureClipboardOwnerCommand(),
	)
	return root
}

// Main runs ramsso with args and returns the process exit code: 0 on
// success; otherwise one line on stderr and 1 (2 for usage errors, or the
// child's status for exec).
func Main(ctx context.Context, app *App, args []string) int {
	root := NewRootCommand(app)
	root.SetArgs(args)
	app.args = args
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	if errors.Is(err, errSilent) {
		return 1
	}
	msg := strings.TrimSpace(err.Error())
	fmt.Fprintln(app.Stderr, "ramsso: "+oneLine(msg))
	if isUsageError(err) {
		return 2
	}
	return 1
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

func isUsageError(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "accepts ", "requires at least", "invalid argument", "flag needs an argument"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}
