package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/rolepicker"
	"github.com/ramsso/ramsso/internal/saml"
)

// AssumeInput is what `ramsso assume` takes.
type AssumeInput struct {
	SAMLFile    string
	Role        string
	Roles       []string // --role given several times (Role is the one-role case)
	AllRoles    bool
	Duration    string
	Profile     string
	STSEndpoint string
	STSRegion   string
	PolicyFile  string
	Output      string // none, json, env
}

func configureAssumeCommand(app *App) *cobra.Command {
	var in AssumeInput
	cmd := &cobra.Command{
		Use:   "assume [--saml FILE|-] [--role ROLE]",
		Short: "Exchange a SAMLResponse for STS credentials and store them (the programmatic path)",
		Long: `Exchange a SAMLResponse for temporary credentials with Alibaba Cloud STS
(AssumeRoleWithSAML) and store them as a profile.

ROLE is a role ARN, ACCOUNT/ROLE (account id or alias) or a role name that is
unique in the assertion. Without --role: a single role is taken; several roles
bring up a picker when a terminal is available, otherwise the command fails and
lists them.

The profile is named <account alias or id>-<role name> unless --profile says
otherwise, and keeps its name on later logins.

--role given several times, or --all-roles, assumes each role from the same
assertion, each as its own profile. Whether STS accepts an assertion it has
already exchanged is not documented: if it refuses, the roles left get one
error and should be assumed from a fresh login.`,
		Example: `  ramsso assume --saml response.b64
  ramsso assume --saml - --role prod/admin --duration 4h < response.b64
  ramsso assume --saml response.b64 --role prod/admin --role dev/readonly
  ramsso assume --saml response.b64 --all-roles
  ramsso assume --saml response.b64 --sts-endpoint http://127.0.0.1:8080 --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return AssumeCommand(cmd.Context(), in, app)
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.SAMLFile, "saml", "", "file holding the SAMLResponse (- for stdin)")
	f.StringArrayVar(&in.Roles, "role", nil, "role ARN, ACCOUNT/ROLE or unique role name (repeat for several roles, each its own profile)")
	f.BoolVar(&in.AllRoles, "all-roles", false, "assume every role the assertion allows, each as its own profile")
	f.StringVar(&in.Duration, "duration", "", "session duration: seconds (3600) or a Go duration (1h); 15m to 12h")
	f.StringVar(&in.Profile, "profile", "", "profile name to store the session under")
	f.StringVar(&in.STSEndpoint, "sts-endpoint", "", "STS endpoint host or URL (env RAMSSO_STS_ENDPOINT)")
	f.StringVar(&in.STSRegion, "sts-region", "", "use the regional STS endpoint sts.REGION.aliyuncs.com")
	f.StringVar(&in.PolicyFile, "policy", "", "JSON session policy file that narrows the role's permissions")
	f.StringVar(&in.Output, "output", "none", "what to print on stdout: none, json or env")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"none", "json", "env"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// AssumeCommand decodes, picks the role, exchanges and stores.
func AssumeCommand(ctx context.Context, in AssumeInput, app *App) error {
	switch in.Output {
	case "none", "json", "env":
	default:
		return fmt.Errorf("--output %q: use none, json or env", in.Output)
	}
	_, set, err := app.Settings()
	if err != nil {
		return err
	}
	durStr := firstNonEmpty(in.Duration, set.DefaultDuration)
	var dur time.Duration
	if durStr != "" {
		if dur, err = config.ParseDuration(durStr); err != nil {
			return fmt.Errorf("--duration %q: %w", durStr, err)
		}
		if err := capture.ValidateDuration(dur); err != nil {
			return err
		}
	}
	var policy string
	if in.PolicyFile != "" {
		b, err := os.ReadFile(in.PolicyFile)
		if err != nil {
			return fmt.Errorf("read policy: %w", err)
		}
		policy = strings.TrimSpace(string(b))
	}
	if in.SAMLFile == "" {
		if f, ok := app.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			return fmt.Errorf("no SAMLResponse: give --saml FILE, or pipe it in with --saml -")
		}
	}
	resp, err := decodeSAMLInput(in.SAMLFile, app.Stdin)
	if err != nil {
		return err
	}
	if len(in.Roles) == 1 && in.Role == "" {
		in.Role = in.Roles[0]
	}
	if len(in.Roles) > 1 || in.AllRoles {
		return assumeMany(ctx, in, app, resp, capture.Options{Duration: dur, Policy: policy})
	}
	role, picked, err := chooseRole(ctx, resp, in.Role, dur, set, app)
	if err != nil {
		return err
	}
	if picked != 0 {
		dur = picked
	} else if max := set.RoleMaxDuration(role.RoleArn); in.Duration == "" && max > 0 && dur > max {
		// The default duration is more than STS gave this role before: ask
		// for what it allowed. An explicit --duration is tried as given (the
		// role's maximum may have been raised) and falls back if refused.
		fmt.Fprintf(app.Stderr, "ramsso: note: %s allowed at most %s before; asking for that (--duration to try more)\n",
			capture.RoleLabel(role, set.AccountAliases), rolepicker.FormatDuration(max))
		dur = max
	}
	p, err := app.Pipeline()
	if err != nil {
		return err
	}
	acq, err := p.Acquirer(ctx, in.STSEndpoint, in.STSRegion)
	if err != nil {
		return err
	}
	out, err := acq.Acquire(ctx, capture.Request{Response: resp, Role: role,
		Options: capture.Options{Duration: dur, Policy: policy, Profile: in.Profile}})
	if err != nil {
		return err
	}
	s := out.Session
	if r := set.RegionFor(s.Profile, s.AccountID); r != "" {
		s.Region = r // the "regions" setting, as every other output uses it
	}
	fmt.Fprintf(app.Stderr, "ramsso: stored profile %s (%s), expires %s (in %s)\n",
		s.Profile, capture.RoleLabel(role, set.AccountAliases), fmtTime(s.Expiration), humanDuration(s.Expiration.Sub(app.now())))
	reportOutcome(app, out)
	switch in.Output {
	case "json":
		return writeJSON(app.Stdout, map[string]string{
			"AccessKeyId":     s.Credentials.AccessKeyID,
			"AccessKeySecret": s.Credentials.AccessKeySecret,
			"SecurityToken":   s.Credentials.SecurityToken,
			"Expiration":      s.Credentials.ExpirationString(),
		})
	case "env":
		return writeEnv(app.Stdout, "sh", envVars(&s, sessionRegion(app, &s)))
	}
	return nil
}

// chooseRole applies --role, the single-role rule, or the terminal picker
// (which also offers the duration: a non-zero duration is the picker's).
func chooseRole(ctx context.Context, resp *saml.Response, spec string, dur time.Duration, set *config.Settings, app *App) (saml.Role, time.Duration, error) {
	aliases := set.AccountAliases
	if spec != "" {
		r, err := capture.SelectRole(resp.Roles, spec, aliases)
		return r, 0, err
	}
	if len(resp.Roles) == 1 {
		return resp.Roles[0], 0, nil
	}
	var tty io.ReadWriteCloser
	if app.OpenTTY != nil {
		if t, err := app.OpenTTY(); err == nil {
			tty = t
		}
	}
	if tty == nil {
		return saml.Role{}, 0, fmt.Errorf("the assertion allows %d roles and there is no terminal to ask: choose one with --role (%s)",
			len(resp.Roles), capture.RoleList(resp.Roles, aliases))
	}
	defer tty.Close()
	title := "Pick a role"
	if resp.Subject != "" {
		title += " for " + resp.Subject
	}
	return pickRole(ctx, tty, app.Stderr, rolepicker.Options{
		Roles:       resp.Roles,
		Aliases:     aliases,
		Duration:    dur,
		MaxDuration: set.RoleMaxDurationMap(),
		Title:       title,
	})
}

// reportOutcome tells the user an acquisition's notes and warnings, the
// way the host's done reply and the tray's notification carry them.
func reportOutcome(app *App, out *capture.Outcome) {
	for _, n := range out.Notes {
		fmt.Fprintln(app.Stderr, "ramsso: note: "+oneLine(n))
	}
	for _, w := range out.Warnings {
		fmt.Fprintln(app.Stderr, "ramsso: warning: "+oneLine(w))
	}
}
