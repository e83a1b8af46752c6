package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/standin/testidp"
)

// DefaultAddr is where Run listens when addr is empty.
const DefaultAddr = "127.0.0.1:18443"

// Listen opens a TCP listener on addr, which must be a loopback address
// ("127.0.0.1:0" picks a free port; an empty host means 127.0.0.1): the
// emulator accepts anything signed by a test key and must never be
// reachable from the network.
func Listen(addr string) (net.Listener, error) {
	if addr == "" {
		addr = DefaultAddr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("emulator: listen address %q: %w", addr, err)
	}
	if host == "" || host == "localhost" {
		host = "127.0.0.1"
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("emulator: listen address %q: only loopback addresses (127.0.0.1, ::1) are allowed", addr)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("emulator: listen: %w", err)
	}
	return ln, nil
}

// ListenAndServe serves h (an STS emulator Server, or Server.Handler with
// the federation emulator mounted) on addr (loopback only) until ctx ends,
// then shuts down gracefully. ready, when not nil, is called with the base
// URL (http://127.0.0.1:PORT) once the server accepts connections.
func ListenAndServe(ctx context.Context, addr string, h http.Handler, ready func(url string)) error {
	ln, err := Listen(addr)
	if err != nil {
		return err
	}
	return serve(ctx, ln, h, ready)
}

// serve serves h on ln until ctx ends, then shuts down gracefully.
func serve(ctx context.Context, ln net.Listener, h http.Handler, ready func(url string)) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready("http://" + ln.Addr().String())
	}
	select {
	case err := <-errc:
		return fmt.Errorf("emulator: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("emulator: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("emulator: serve: %w", err)
	}
	return nil
}

// Run is the `ramsso emulator` command: it starts an STS emulator for cfg
// on addr (default DefaultAddr, loopback only) with the federation sign-in
// emulator on the same listener at /federation, prints the URLs to log,
// logs one line per request there (never the assertion or credentials),
// and returns when ctx ends.
func Run(ctx context.Context, addr string, cfg Config, log io.Writer) error {
	ln, err := Listen(addr)
	if err != nil {
		return err
	}
	return RunOn(ctx, ln, cfg, log)
}

// RunOn is Run on a listener the caller opened with Listen (so a command
// can bind its address before it writes anything) and closes ln when done.
func RunOn(ctx context.Context, ln net.Listener, cfg Config, log io.Writer) error {
	s, err := New(cfg)
	if err != nil {
		ln.Close()
		return err
	}
	if log == nil {
		log = io.Discard
	}
	s.SetLog(log)
	f := NewFederation(s.Issued)
	f.SetLog(log)
	return serve(ctx, ln, s.Handler(f), func(url string) {
		fmt.Fprintf(log, "ramsso STS emulator (AssumeRoleWithSAML %s) listening on %s\n", Version, url)
		fmt.Fprintf(log, "use it with: ramsso assume --saml response.b64 --sts-endpoint %s\n", url)
		fmt.Fprintf(log, "federation sign-in emulator at %s/federation (RAMSSO_SIGNIN_ENDPOINT=%s)\n", url, url)
	})
}

// Demo identity: the accounts, provider and roles InitDemo sets up.
const (
	DemoIssuer       = "https://idp.ramsso.test/demo"
	DemoAccount      = "1234567890123456"
	DemoOtherAccount = "6543210987654321"
	DemoProviderName = "demo-idp"
)

// Files InitDemo writes in its directory.
const (
	DemoKeyFile      = "idp.key"
	DemoCertFile     = "idp.crt"
	DemoMetadataFile = "idp-metadata.xml"
	DemoConfigFile   = "emulator.json"
	DemoResponseFile = "response.b64"
)

// InitDemo prepares dir so a newcomer can run an emulator with no setup:
// a test IdP key and certificate (kept if already there, so restarts keep
// the same trust), its metadata, emulator.json trusting it for
// acs:ram::1234567890123456:saml-provider/demo-idp (roles admin, max 12 h,
// and readonly, 1 h) and for the same provider name in a second account
// (role dev), and response.b64: a fresh Okta-style signed Response granting
// the three roles, valid for one hour. It returns the configuration and
// the IdP.
func InitDemo(dir string) (Config, *testidp.IdP, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Config{}, nil, fmt.Errorf("emulator demo: %w", err)
	}
	// A directory someone else made could hold their IdP key and config.
	if err := config.CheckOwned("emulator --init directory", dir); err != nil {
		return Config{}, nil, err
	}
	keyPath, certPath := filepath.Join(dir, DemoKeyFile), filepath.Join(dir, DemoCertFile)
	var idp *testidp.IdP
	keyPEM, kerr := os.ReadFile(keyPath)
	certPEM, cerr := os.ReadFile(certPath)
	if kerr == nil && cerr == nil {
		p, err := testidp.Load(keyPEM, certPEM, DemoIssuer)
		if err != nil {
			return Config{}, nil, fmt.Errorf("emulator demo: existing %s and %s: %w (delete them to start over)", keyPath, certPath, err)
		}
		idp = p
	} else {
		p, err := testidp.New(DemoIssuer)
		if err != nil {
			return Config{}, nil, fmt.Errorf("emulator demo: %w", err)
		}
		idp = p
		if err := os.WriteFile(keyPath, idp.KeyPEM(), 0o600); err != nil {
			return Config{}, nil, fmt.Errorf("emulator demo: %w", err)
		}
		if err := os.WriteFile(certPath, idp.CertPEM(), 0o644); err != nil {
			return Config{}, nil, fmt.Errorf("emulator demo: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, DemoMetadataFile), idp.Metadata(), 0o644); err != nil {
		return Config{}, nil, fmt.Errorf("emulator demo: %w", err)
	}
	provider := "acs:ram::" + DemoAccount + ":saml-provider/" + DemoProviderName
	otherProvider := "acs:ram::" + DemoOtherAccount + ":saml-provider/" + DemoProviderName
	file := Config{
		Providers: []Provider{
			{Arn: provider, CertificateFile: DemoCertFile, EntityID: DemoIssuer},
			{Arn: otherProvider, CertificateFile: DemoCertFile, EntityID: DemoIssuer},
		},
		Roles: []Role{
			{Arn: "acs:ram::" + DemoAccount + ":role/admin", MaxSessionDuration: 43200},
			{Arn: "acs:ram::" + DemoAccount + ":role/readonly", MaxSessionDuration: 3600},
			{Arn: "acs:ram::" + DemoOtherAccount + ":role/dev", MaxSessionDuration: 3600},
		},
		ClockSkew: Duration(DefaultClockSkew),
	}
	b, err := json.MarshalIndent(file, "", "  ")
	if err != nil {
		return Config{}, nil, fmt.Errorf("emulator demo: %w", err)
	}
	cfgPath := filepath.Join(dir, DemoConfigFile)
	if err := os.WriteFile(cfgPath, append(b, '\n'), 0o644); err != nil {
		return Config{}, nil, fmt.Errorf("emulator demo: %w", err)
	}
	resp, err := idp.Response(testidp.Options{
		Style: testidp.StyleOkta,
		Roles: []string{
			testidp.RoleValue(DemoAccount, "admin", DemoProviderName),
			testidp.RoleValue(DemoAccount, "readonly", DemoProviderName),
			testidp.RoleValue(DemoOtherAccount, "dev", DemoProviderName),
		},
		SessionName: "alice@example.com",
		Lifetime:    time.Hour,
	})
	if err != nil {
		return Config{}, nil, fmt.Errorf("emulator demo: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, DemoResponseFile), []byte(resp+"\n"), 0o600); err != nil {
		return Config{}, nil, fmt.Errorf("emulator demo: %w", err)
	}
	cfg, err := LoadConfig(cfgPath)
	if err != nil {
		return Config{}, nil, err
	}
	return cfg, idp, nil
}
