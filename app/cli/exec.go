package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/cobra"
)

// ExecInput is what `ramsso exec` takes.
type ExecInput struct {
	Profile string
	Command []string // empty: the user's shell
	// Server gives the child a credentials URI of its own (a fresh port
	// and token that live as long as the child) instead of the keys.
	Server bool
}

// clearedVars point tools at other credentials; exec removes them so the
// child uses exactly the profile's.
var clearedVars = []string{"ALIBABA_CLOUD_PROFILE", "ALIBABA_CLOUD_CREDENTIALS_URI", "ALICLOUD_PROFILE", "ALIBABACLOUD_PROFILE"}

// ignoreProfileVars make the aliyun CLI ignore config.json: it takes the
// environment's keys only when the profile it loads has none, so without
// them a child `aliyun` signs as config.json's current profile. The CLI
// reads both spellings (aliyun/aliyun-cli config/configuration.go,
// LoadProfileWithContext: util.GetFromEnv("ALIBABA_CLOUD_IGNORE_PROFILE",
// "ALIBABACLOUD_IGNORE_PROFILE") == "TRUE", at commit
// eadd68d9a13dd0734a2236e2c70e38f4888ae65f); older releases read only the
// second.
var ignoreProfileVars = []string{"ALIBABA_CLOUD_IGNORE_PROFILE", "ALIBABACLOUD_IGNORE_PROFILE"}

// aliyunIgnoreProfileRegion is the region the aliyun CLI uses when it
// ignores config.json: it sets it on the profile, so no region variable is
// read then (same source as ignoreProfileVars).
const aliyunIgnoreProfileRegion = "cn-hangzhou"

func configureExecCommand(app *App) *cobra.Command {
	var in ExecInput
	cmd := &cobra.Command{
		Use:   "exec PROFILE [--server] [-- CMD [ARGS...]]",
		Short: "Run a command (default: your shell) with a profile's credentials",
		Long: `Run CMD with the profile's credentials in ALIBABA_CLOUD_* and ALICLOUD_*
variables, and RAMSSO_PROFILE set. Without CMD, starts $SHELL.

--server (the default path for SDKs and Terraform, as in aws-vault) puts no
keys in the environment: ramsso serves this profile alone on a fresh
127.0.0.1 port with a fresh secret token, sets ALIBABA_CLOUD_CREDENTIALS_URI
for the child and stops serving when it exits. The SDKs fetch keys as they
need them, so long runs outlive one set of keys.

ALIBABA_CLOUD_PROFILE, ALIBABA_CLOUD_CREDENTIALS_URI and ALICLOUD_PROFILE are
removed first so nothing overrides the profile, and
ALIBABA_CLOUD_IGNORE_PROFILE=TRUE makes the aliyun CLI ignore config.json
(otherwise it signs as its current profile). The aliyun CLI then uses region
cn-hangzhou unless given --region: ramsso says so when the profile's region
differs. ramsso exec refuses to run inside another ramsso exec.

The command's exit status is ramsso's; a command killed by a signal gives
128+signal and a command that cannot be found 127, as shells do.`,
		Example: `  ramsso exec --server prod-admin -- terraform plan
  ramsso exec prod-admin -- aliyun ecs DescribeRegions --region cn-shanghai
  ramsso exec prod-admin`,
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: completeExecArgs(app),
		RunE: func(cmd *cobra.Command, args []string) error {
			in.Profile = args[0]
			in.Command = args[1:]
			return ExecCommand(cmd.Context(), in, app)
		},
	}
	cmd.Flags().BoolVar(&in.Server, "server", false, "serve the credentials to the child on a fresh port and token (ALIBABA_CLOUD_CREDENTIALS_URI) instead of putting keys in its environment")
	return cmd
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
	argv := in.Command
	if len(argv) == 0 {
		argv = []string{defaultShell(app)}
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		code := startFailureCode(err)
		what := "cannot run it"
		if code == 127 {
			what = "command not found"
		}
		fmt.Fprintf(app.Stderr, "ramsso: %s: %s (%s)\n", argv[0], what, oneLine(err.Error()))
		return &ExitError{Code: code}
	}
	region := sessionRegion(app, s)
	var vars []envVar
	if in.Server {
		srv, err := startExecServer(ctx, app, s)
		if err != nil {
			return err
		}
		defer srv.stop()
		vars = serverEnvVars(srv.url, region)
	} else {
		vars = envVars(s, region)
	}
	if note := aliyunRegionNote(argv, region); note != "" {
		fmt.Fprintln(app.Stderr, "ramsso: note: "+note)
	}
	cmd := exec.Command(path, argv[1:]...)
	cmd.Env = childEnv(os.Environ(), vars, in.Profile)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = app.Stdin, app.Stdout, app.Stderr
	// The child gets terminal signals itself (same process group); ramsso
	// just must not die of them before the child does.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, forwardedSignals...)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		code := startFailureCode(err)
		fmt.Fprintf(app.Stderr, "ramsso: run %s: %s\n", argv[0], oneLine(err.Error()))
		return &ExitError{Code: code}
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
	if code, ok := childExitCode(err); ok {
		if code == 0 {
			return nil
		}
		return &ExitError{Code: code}
	}
	return fmt.Errorf("run %s: %w", argv[0], err)
}

// aliyunRegionNote is what to tell the user when CMD is the aliyun CLI,
// which ignores config.json under ALIBABA_CLOUD_IGNORE_PROFILE and then
// uses cn-hangzhou whatever the region variables say: "" when the region
// is the same or the command already says --region.
func aliyunRegionNote(argv []string, region string) string {
	if len(argv) == 0 || region == "" || region == aliyunIgnoreProfileRegion {
		return ""
	}
	base := strings.ToLower(filepath.Base(argv[0]))
	if base != "aliyun" && base != "aliyun.exe" {
		return ""
	}
	for _, a := range argv[1:] {
		if a == "--region" || strings.HasPrefix(a, "--region=") {
			return ""
		}
	}
	return fmt.Sprintf("the aliyun CLI ignores config.json here and uses region %s, not the profile's %s: add --region %s",
		aliyunIgnoreProfileRegion, region, region)
}

// childEnv is environ without the cleared variables and the ones ramsso
// sets, plus vars, the aliyun CLI's ignore-profile switches and
// RAMSSO_PROFILE.
func childEnv(environ []string, vars []envVar, profile string) []string {
	drop := map[string]bool{"RAMSSO_PROFILE": true}
	for _, n := range clearedVars {
		drop[n] = true
	}
	for _, n := range ignoreProfileVars {
		drop[n] = true
	}
	for _, v := range vars {
		drop[v.Name] = true
	}
	// Keys from the parent would shadow a --server child's URI. Region
	// variables ramsso sets replace the parent's (above); when the region
	// rule found none, the parent's own stay (config.RegionFor).
	for _, n := range []string{
		"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN",
		"ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY", "ALICLOUD_SECURITY_TOKEN"} {
		drop[n] = true
	}
	out := make([]string, 0, len(environ)+len(vars)+3)
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
	for _, n := range ignoreProfileVars {
		out = append(out, n+"=TRUE")
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
