// Package cli implements the `ramsso` command line: one file per command,
// each a small input struct, a function that wires its flags, and a plain
// function that does the work and that tests can call with fakes. Domain
// logic lives in internal/ packages, never here.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/policy"
	"github.com/ramsso/ramsso/internal/store"
	"github.com/ramsso/ramsso/internal/sts"
)

// App carries what every command needs: streams, the environment and the
// ways to reach the store and STS. Tests build one with fakes.
type App struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Now    func() time.Time

	// OpenTTY opens the controlling terminal for interactive prompts.
	OpenTTY func() (io.ReadWriteCloser, error)
	// OpenStore opens the session store; nil uses the configured one.
	OpenStore func(ctx context.Context) (store.Store, error)
	// NewSTS makes an STS client; nil uses internal/sts.
	NewSTS func(cfg sts.Config) (sts.Assumer, error)

	once     sync.Once
	home     string
	settings *config.Settings
	setErr   error
	st       store.Store
	args     []string // the command line Main was given (completion reads it)

	polOnce sync.Once
	pol     *policy.Policy
	polErr  error
	// hotPath marks a command other programs run all the time (process,
	// serve): it never retries the keyring after a fallback.
	hotPath bool
}

// NewApp returns an App wired to the real process environment.
func NewApp() *App {
	return &App{
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Getenv: os.Getenv,
		Now:    time.Now,
		OpenTTY: func() (io.ReadWriteCloser, error) {
			return os.OpenFile("/dev/tty", os.O_RDWR, 0)
		},
	}
}

func (a *App) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *App) getenv(k string) string {
	if a.Getenv != nil {
		return a.Getenv(k)
	}
	return os.Getenv(k)
}

// Settings loads RAMSSO_HOME and the settings file once.
func (a *App) Settings() (string, *config.Settings, error) {
	a.once.Do(func() {
		home := a.getenv(config.EnvHome)
		if home == "" {
			var err error
			home, err = config.Home()
			if err != nil {
				a.setErr = err
				return
			}
		}
		a.home = home
		a.settings, a.setErr = config.Load(home)
	})
	return a.home, a.settings, a.setErr
}

// AdminPolicy loads the administrator's policy (the system file and
// RAMSSO_POLICY_FILE) once.
func (a *App) AdminPolicy() (*policy.Policy, error) {
	a.polOnce.Do(func() { a.pol, a.polErr = policy.LoadEnv(runtime.GOOS, a.getenv) })
	return a.pol, a.polErr
}

// Store opens the session store once per process.
func (a *App) Store(ctx context.Context) (store.Store, error) {
	if a.st != nil {
		return a.st, nil
	}
	if a.OpenStore != nil {
		st, err := a.OpenStore(ctx)
		if err != nil {
			return nil, err
		}
		a.st = st
		return st, nil
	}
	home, set, err := a.Settings()
	if err != nil {
		return nil, err
	}
	kind := strings.TrimSpace(a.getenv(config.EnvStore))
	if kind == "" {
		kind = set.Store
	}
	st, notice, err := openStore(ctx, home, kind, !a.hotPath)
	if err != nil {
		return nil, err
	}
	if store.IsFile(st) {
		pol, err := a.AdminPolicy()
		if err == nil {
			err = pol.CheckStore(store.KindFile)
		}
		if err != nil {
			return nil, err
		}
	}
	if notice != "" {
		fmt.Fprintln(a.Stderr, notice)
	}
	a.st = st
	return st, nil
}

// STSClient builds the STS client from flag > environment > settings.
func (a *App) STSClient(endpointFlag, regionFlag string) (sts.Assumer, string, error) {
	_, set, err := a.Settings()
	if err != nil {
		return nil, "", err
	}
	cfg := sts.Config{
		Endpoint: firstNonEmpty(endpointFlag, a.getenv(config.EnvSTSEndpoint), set.STS.Endpoint),
		Region:   firstNonEmpty(regionFlag, set.STS.Region),
		VPC:      set.STS.VPC,
		Proxy:    firstNonEmpty(a.getenv(config.EnvProxy), set.Proxy, a.getenv("HTTPS_PROXY"), a.getenv("https_proxy")),
		OnWait:   func(msg string) { fmt.Fprintln(a.Stderr, msg) },
	}
	if t := firstNonEmpty(a.getenv(config.EnvSTSTimeout), set.STS.Timeout); t != "" {
		d, err := config.ParseDuration(t)
		if err != nil || d <= 0 {
			return nil, "", fmt.Errorf("STS timeout %q (RAMSSO_STS_TIMEOUT or \"sts.timeout\") is not a duration like 60s", t)
		}
		cfg.CallTimeout = d
	}
	if a.NewSTS != nil {
		c, err := a.NewSTS(cfg)
		return c, cfg.Endpoint, err
	}
	c, err := sts.New(cfg)
	if err != nil {
		return nil, "", err
	}
	return c, c.Endpoint(), nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if s := strings.TrimSpace(v); s != "" {
			return s
		}
	}
	return ""
}

// ExitError carries a process exit code without a message of its own (the
// message, if any, was already printed), e.g. a child's exit status.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// errSilent marks an error whose message was already printed (e.g. decode
// --json's error object on stdout): only the exit code remains.
var errSilent = errors.New("")
