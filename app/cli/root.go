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
		return &UsageError{Err: fmt.Errorf("%w (see %s --help)", err, c.CommandPath())}
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
	typeArgErrors(root)
	return root
}

// UsageError is a command line that does not parse: an unknown command,
// flag or argument count (exit status 2, as gh's cmdutil.FlagError).
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// typeArgErrors makes every command's argument check return a UsageError.
func typeArgErrors(c *cobra.Command) {
	if check := c.Args; check != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := check(cmd, args); err != nil {
				return &UsageError{Err: err}
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		typeArgErrors(sub)
	}
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
	var ue *UsageError
	if errors.As(err, &ue) {
		return 2
	}
	if _, _, ferr := root.Find(args); ferr != nil { // no such command
		return 2
	}
	return 1
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}
