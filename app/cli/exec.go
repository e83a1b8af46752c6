package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"

	"github.com/spf13/cobra"
)

// ExecInput is what `ramsso exec` takes.
type ExecInput struct {
	Profile string
	Command []string // empty: the user's shell
}

// clearedVars point tools at other credentials; exec removes them so the
// child uses exactly the profile's.
var clearedVars = []string{"ALIBABA_CLOUD_PROFILE", "ALIBABA_CLOUD_CREDENTIALS_URI", "ALICLOUD_PROFILE"}

func configureExecCommand(app *App) *cobra.Command {
	var in ExecInput
	return &cobra.Command{
		Use:   "exec PROFILE [-- CMD [ARGS...]]",
		Short: "Run a command (default: your shell) with a profile's credentials in its environment",
		Long: `Run CMD with the profile's credentials in ALIBABA_CLOUD_* and ALICLOUD_*
variables, and RAMSSO_PROFILE set. Without CMD, starts $SHELL.

ALIBABA_CLOUD_PROFILE, ALIBABA_CLOUD_CREDENTIALS_URI and ALICLOUD_PROFILE are
removed first so nothing overrides the profile. ramsso exec refuses to run
inside another ramsso exec. The command's exit status is ramsso's.`,
		Example: `  ramsso exec prod-admin -- aliyun ecs DescribeRegions
  ramsso exec prod-admin -- terraform plan
  ramsso exec prod-admin`,
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: completeExecArgs(app),
		RunE: func(cmd *cobra.Command, args []string) error {
			in.Profile = args[0]
			in.Command = args[1:]
			return ExecCommand(cmd.Context(), in, app)
		},
	}
}

// ExecCommand runs the command and returns an *ExitError carrying its status.
func ExecCommand(ctx context.Context, in ExecInput, app *App) error {
	if p := app.getenv("RAMSSO_PROFILE"); p != "" {
		return fmt.Errorf("already inside ramsso exec for profile %s: exit that shell first", p)
	}
	s, err := liveSession(ctx, app, in.Profile)
	if err != nil {
		return err
	}
	_, set, _ := app.Settings()
	argv := in.Command
	if len(argv) == 0 {
		argv = []string{defaultShell(app)}
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return fmt.Errorf("run %s: %w", argv[0], err)
	}
	vars := envVars(s, set.Region)
	env := childEnv(os.Environ(), vars, in.Profile)
	cmd := exec.Command(path, argv[1:]...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = app.Stdin, app.Stdout, app.Stderr
	// The child gets terminal signals itself (same process group); ramsso
	// just must not die of them before the child does.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, forwardedSignals...)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("run %s: %w", argv[0], err)
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-sigs:
				_ = cmd.Process.Signal(sig)
			case <-done:
				return
			}
		}
	}()
	err = cmd.Wait()
	close(done)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code := ee.ExitCode()
		if code < 0 {
			code = 1
		}
		return &ExitError{Code: code}
	}
	if err != nil {
		return fmt.Errorf("run %s: %w", argv[0], err)
	}
	return nil
}

// childEnv is environ without the cleared variables and the ones ramsso
// sets, plus vars and RAMSSO_PROFILE.
func childEnv(environ []string, vars []envVar, profile string) []string {
	drop := map[string]bool{"RAMSSO_PROFILE": true}
	for _, n := range clearedVars {
		drop[n] = true
	}
	for _, v := range vars {
		drop[v.Name] = true
	}
	// Region variables from the parent would contradict the profile's own.
	drop["ALIBABA_CLOUD_REGION_ID"], drop["ALICLOUD_REGION"] = true, true
	out := make([]string, 0, len(environ)+len(vars)+1)
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if runtime.GOOS == "windows" {
			name = strings.ToUpper(name)
		}
		if !drop[name] {
			out = append(out, kv)
		}
	}
	for _, v := range vars {
		out = append(out, v.Name+"="+v.Value)
	}
	return append(out, "RAMSSO_PROFILE="+profile)
}

func defaultShell(app *App) string {
	if sh := app.getenv("SHELL"); sh != "" {
		return sh
	}
	if runtime.GOOS == "windows" {
		if c := app.getenv("COMSPEC"); c != "" {
			return c
		}
		return "cmd.exe"
	}
	return "/bin/sh"
}
