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
	"github.com/ramsso/ramsso/internal/pipeline"
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

	// ConfigureCLI and NotifyTray replace the after-store effects (the
	// aliyun CLI profile, the tray notice); nil uses the real ones.
	ConfigureCLI func(ctx context.Context, s store.Session) (string, error)
	NotifyTray   func(ctx context.Context, s store.Session)

	once   sync.Once
	home   string
	eff    config.Effective
	setErr error
	pipe   *pipeline.Pipeline
	args   []string // the command line Main was given (completion reads it)

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

// load finds RAMSSO_HOME, reads the settings file and resolves the
// effective configuration, once: the CLI's one config.Resolve.
func (a *App) load() {
	a.once.Do(func() {
		home := a.getenv(config.EnvHome)
		var err error
		if home != "" {
			home, err = config.HomeFrom(runtime.GOOS, a.getenv)
		} else {
			home, err = config.Home()
		}
		if err != nil {
			a.setErr = err
			return
		}
		a.home = home
		set, err := config.Load(home)
		a.setErr = err
		a.eff = config.Resolve(a.getenv, set)
		a.pipe = pipeline.New(pipeline.Options{
			Home: home, Eff: a.eff, Getenv: a.getenv, Now: a.Now, Log: a.Stderr,
			OpenStore: a.openStore(), NewSTS: a.NewSTS,
			ConfigureCLI: a.ConfigureCLI, Notify: a.NotifyTray,
			Notice: func(n string) { fmt.Fprintln(a.Stderr, n) },
			Heal:   func() bool { return !a.hotPath },
			Admin:  a.AdminPolicy,
			OnWait: func(msg string) { fmt.Fprintln(a.Stderr, msg) },
		})
	})
}

// openStore adapts App.OpenStore to the pipeline's signature; nil (the
// real store, which the pipeline may heal) when no test injected one.
func (a *App) openStore() func(ctx context.Context, home, kind string) (store.Store, error) {
	if a.OpenStore == nil {
		return nil
	}
	return func(ctx context.Context, _, _ string) (store.Store, error) { return a.OpenStore(ctx) }
}

// Settings loads RAMSSO_HOME and the settings file once.
func (a *App) Settings() (string, *config.Settings, error) {
	a.load()
	return a.home, a.eff.Settings, a.setErr
}

// Effective is the resolved configuration (flag-free).
func (a *App) Effective() (config.Effective, error) {
	a.load()
	return a.eff, a.setErr
}

// Pipeline is the CLI's composition root: store, STS, acquisition path,
// re-login and tray client, all from the one Effective.
func (a *App) Pipeline() (*pipeline.Pipeline, error) {
	a.load()
	if a.setErr != nil {
		return nil, a.setErr
	}
	return a.pipe, nil
}

// AdminPolicy loads the administrator's policy (the system file and
// RAMSSO_POLICY_FILE) once.
func (a *App) AdminPolicy() (*policy.Policy, error) {
	a.polOnce.Do(func() { a.pol, a.polErr = policy.LoadEnv(runtime.GOOS, a.getenv) })
	return a.pol, a.polErr
}

// Store opens the session store once per process.
func (a *App) Store(ctx context.Context) (store.Store, error) {
	p, err := a.Pipeline()
	if err != nil {
		return nil, err
	}
	return p.Store(ctx)
}

// STSClient builds the STS client: flag > environment > settings.
func (a *App) STSClient(endpointFlag, regionFlag string) (sts.Assumer, string, error) {
	p, err := a.Pipeline()
	if err != nil {
		return nil, "", err
	}
	return p.STS(endpointFlag, regionFlag)
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
