package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ramsso/ramsso/internal/standin/emulator"
	"github.com/ramsso/ramsso/internal/standin/testidp"
)

// EmulatorInput is what the hidden `ramsso emulator` takes.
type EmulatorInput struct {
	Listen string
	Config string
	Init   string
}

func configureEmulatorCommand(app *App) *cobra.Command {
	var in EmulatorInput
	cmd := &cobra.Command{
		Use:    "emulator [--init DIR | --config FILE] [--listen ADDR]",
		Short:  "Run a local Alibaba Cloud STS emulator (AssumeRoleWithSAML, AssumeRole, GetCallerIdentity) for trying ramsso out",
		Hidden: true,
		Long: `Run a local emulator of Alibaba Cloud STS's AssumeRoleWithSAML that verifies
SAML signatures against the providers in its config file, and of AssumeRole
and GetCallerIdentity, which verify Alibaba's RPC signature made with the
credentials the emulator issued (for chained profiles and ramsso whoami).

--init DIR writes a demo IdP key and certificate, an emulator.json and a
signed response.b64 into DIR, then serves. Make new responses with
ramsso testidp --dir DIR.`,
		Example: `  ramsso emulator --init /tmp/demo --listen 127.0.0.1:8080 &
  ramsso assume --saml /tmp/demo/response.b64 --role admin --sts-endpoint http://127.0.0.1:8080`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return EmulatorCommand(cmd.Context(), in, app)
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.Listen, "listen", "127.0.0.1:8080", "address to listen on (loopback only)")
	f.StringVar(&in.Config, "config", "", "emulator config file (JSON)")
	f.StringVar(&in.Init, "init", "", "write a demo IdP, config and signed response into DIR and use them")
	return cmd
}

// EmulatorCommand serves the emulator until ctx ends.
func EmulatorCommand(ctx context.Context, in EmulatorInput, app *App) error {
	if in.Init == "" && in.Config == "" {
		return fmt.Errorf("give --init DIR for a demo setup or --config FILE")
	}
	// Bind first: a refused or busy address must leave DIR untouched.
	ln, err := emulator.Listen(in.Listen)
	if err != nil {
		return err
	}
	var cfg emulator.Config
	switch {
	case in.Init != "":
		cfg, _, err = emulator.InitDemo(in.Init)
		if err != nil {
			ln.Close()
			return err
		}
		fmt.Fprintf(app.Stderr, "ramsso: demo IdP, emulator.json and a signed response.b64 (valid 1h) written to %s\n", in.Init)
	default:
		cfg, err = emulator.LoadConfig(in.Config)
		if err != nil {
			ln.Close()
			return err
		}
	}
	return emulator.RunOn(ctx, ln, cfg, app.Stderr)
}

// TestIdPInput is what the hidden `ramsso testidp` takes.
type TestIdPInput struct {
	Dir         string
	Roles       []string
	Style       string
	Site        string
	Lifetime    time.Duration
	Subject     string
	SessionName string
	Issuer      string
	Out         string
}

// defaultTestIdPIssuer is the test IdP's entity id when DIR holds no
// emulator.json to agree with.
const defaultTestIdPIssuer = "https://idp.example.com/ramsso-demo"

func configureTestIdPCommand(app *App) *cobra.Command {
	in := TestIdPInput{}
	cmd := &cobra.Command{
		Use:    "testidp --dir DIR --role ROLE,PROVIDER [--role ...]",
		Short:  "Print a SAMLResponse signed by a local test IdP (base64)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return TestIdPCommand(in, app)
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.Dir, "dir", "", "directory with idp.key and idp.crt (created when missing)")
	f.StringArrayVar(&in.Roles, "role", nil, "Role attribute value acs:ram::ID:role/NAME,acs:ram::ID:saml-provider/NAME (repeatable; default: every role DIR/emulator.json knows)")
	f.StringVar(&in.Style, "style", string(testidp.StyleOkta), "IdP style: "+styleNames())
	f.StringVar(&in.Site, "site", "china", "china or international")
	f.DurationVar(&in.Lifetime, "lifetime", 5*time.Minute, "how long the assertion is valid")
	f.StringVar(&in.Subject, "subject", "alice@example.com", "NameID")
	f.StringVar(&in.SessionName, "session-name", "", "RoleSessionName (default: the subject)")
	f.StringVar(&in.Issuer, "issuer", "", "IdP entity id (default: the one DIR/emulator.json trusts, else "+defaultTestIdPIssuer+")")
	f.StringVar(&in.Out, "out", "", "write the response to this file (default: stdout, or DIR/response.b64 when stdout is a terminal)")
	return cmd
}

func styleNames() string {
	var s []string
	for _, st := range testidp.Styles() {
		s = append(s, string(st))
	}
	return strings.Join(s, ", ")
}

// TestIdPCommand signs a response with the IdP in in.Dir and prints it.
func TestIdPCommand(in TestIdPInput, app *App) error {
	if in.Dir == "" {
		return fmt.Errorf("give --dir DIR (the IdP key and certificate live there)")
	}
	// Agree with `ramsso emulator --init DIR`: sign as the Issuer its
	// emulator.json trusts, for the roles it knows.
	issuer, roles, _, err := emulator.DemoDefaults(in.Dir)
	if err != nil {
		return err
	}
	if in.Issuer == "" {
		in.Issuer = firstNonEmpty(issuer, defaultTestIdPIssuer)
	}
	if len(in.Roles) == 0 {
		in.Roles = roles
	}
	if len(in.Roles) == 0 {
		return fmt.Errorf("give at least one --role acs:ram::ID:role/NAME,acs:ram::ID:saml-provider/NAME (or a --dir made by ramsso emulator --init)")
	}
	idp, err := loadOrCreateIdP(in.Dir, in.Issuer)
	if err != nil {
		return err
	}
	b64, err := idp.Response(testidp.Options{
		Style: testidp.Style(in.Style), Roles: in.Roles, Site: in.Site, Lifetime: in.Lifetime,
		Subject: in.Subject, SessionName: in.SessionName,
	})
	if err != nil {
		return err
	}
	out := in.Out
	if out == "" && isTerminal(app.Stdout) {
		// Ten kilobytes of base64 help no one on a terminal.
		out = filepath.Join(in.Dir, emulator.DemoResponseFile)
	}
	if out == "" || out == "-" {
		_, err = fmt.Fprintln(app.Stdout, b64)
		return err
	}
	if err := os.WriteFile(out, []byte(b64+"\n"), 0o600); err != nil {
		return fmt.Errorf("write the response: %w", err)
	}
	fmt.Fprintf(app.Stderr, "ramsso: signed response for %d role(s) as %s written to %s\n", len(in.Roles), in.Issuer, out)
	return nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func loadOrCreateIdP(dir, issuer string) (*testidp.IdP, error) {
	keyPath, crtPath := filepath.Join(dir, "idp.key"), filepath.Join(dir, "idp.crt")
	key, kerr := os.ReadFile(keyPath)
	crt, cerr := os.ReadFile(crtPath)
	if kerr == nil && cerr == nil {
		return testidp.Load(key, crt, issuer)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("test IdP dir: %w", err)
	}
	idp, err := testidp.New(issuer)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(keyPath, idp.KeyPEM(), 0o600); err != nil {
		return nil, fmt.Errorf("write IdP key: %w", err)
	}
	if err := os.WriteFile(crtPath, idp.CertPEM(), 0o644); err != nil {
		return nil, fmt.Errorf("write IdP certificate: %w", err)
	}
	return idp, nil
}
