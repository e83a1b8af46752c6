// Package pipeline is the one composition root of ramsso's front-ends:
// from the effective configuration (config.Resolve) it builds the session
// store, the STS client, the acquisition path (capture.Acquirer with its
// after-store effects), the re-login manager and the tray client. The
// `ramsso` CLI, `ramsso-host` and `ramsso-tray` each make one Pipeline;
// tests inject their fakes through Options, the same way.
package pipeline

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/ramsso/ramsso/internal/aliyuncfg"
	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/localapi"
	"github.com/ramsso/ramsso/internal/relogin"
	"github.com/ramsso/ramsso/internal/store"
	"github.com/ramsso/ramsso/internal/sts"
)

// Options are what a Pipeline is built from. Home and Eff are required;
// every function is optional and defaults to the real part.
type Options struct {
	// Home is RAMSSO_HOME.
	Home string
	// Eff is the effective configuration, resolved once by the binary.
	Eff config.Effective
	// Getenv is the environment the re-login opener reads ($BROWSER,
	// DISPLAY); nil: os.Getenv.
	Getenv func(string) string

	// OpenStore opens the session store; nil: store.Open.
	OpenStore func(ctx context.Context, home, kind string) (store.Store, error)
	// NewSTS makes the STS client; nil: sts.New.
	NewSTS func(cfg sts.Config) (sts.Assumer, error)
	// ConfigureCLI writes the aliyun CLI profile for a new session (used
	// when the configureCli setting is on); nil: ConfigureCLIProfile.
	ConfigureCLI func(ctx context.Context, s store.Session) (string, error)
	// Notify tells the tray about a new session; nil: NotifyTray over the
	// local API.
	Notify func(ctx context.Context, s store.Session)
	// Notice receives the one-time store fallback notice; nil drops it.
	Notice func(string)
	// Log receives re-login progress lines; nil discards them.
	Log io.Writer
	// Now is the clock; nil: time.Now.
	Now func() time.Time
}

// Pipeline builds each part once, on first use: a process that only
// answers a ping never opens the store or builds an STS client.
type Pipeline struct {
	o Options

	stOnce sync.Once
	st     store.Store
	stErr  error
}

// New returns the pipeline for o.
func New(o Options) *Pipeline { return &Pipeline{o: o} }

// Home is RAMSSO_HOME.
func (p *Pipeline) Home() string { return p.o.Home }

// Effective is the configuration the pipeline was built from.
func (p *Pipeline) Effective() config.Effective { return p.o.Eff }

// Settings is the settings file as read (never nil).
func (p *Pipeline) Settings() *config.Settings {
	if p.o.Eff.Settings == nil {
		return &config.Settings{}
	}
	return p.o.Eff.Settings
}

// Store opens the session store the configuration names, once.
func (p *Pipeline) Store(ctx context.Context) (store.Store, error) {
	p.stOnce.Do(func() {
		open := p.o.OpenStore
		if open == nil {
			open = store.Open
		}
		p.st, p.stErr = open(ctx, p.o.Home, p.o.Eff.Store)
		if p.stErr == nil && p.o.Notice != nil {
			if n := store.Notice(p.st); n != "" {
				p.o.Notice(n)
			}
		}
	})
	return p.st, p.stErr
}

// STSConfig is the STS client configuration for eff.
func STSConfig(eff config.Effective) sts.Config {
	return sts.Config{Endpoint: eff.STS.Endpoint, Region: eff.STS.Region, VPC: eff.STS.VPC, Proxy: eff.Proxy}
}

// STS builds the STS client, with the --sts-endpoint and --sts-region
// flags applied over the configuration (a flag always wins; an invalid
// one is an error). It returns the endpoint it talks to.
func (p *Pipeline) STS(endpointFlag, regionFlag string) (sts.Assumer, string, error) {
	eff, err := p.o.Eff.WithSTSFlags(endpointFlag, regionFlag)
	if err != nil {
		return nil, "", err
	}
	cfg := STSConfig(eff)
	if p.o.NewSTS != nil {
		c, err := p.o.NewSTS(cfg)
		return c, cfg.Endpoint, err
	}
	c, err := sts.New(cfg)
	if err != nil {
		return nil, "", err
	}
	return c, c.Endpoint(), nil
}

// State is the capture flow's shared state under Home.
func (p *Pipeline) State() *capture.State {
	return &capture.State{Home: p.o.Home, Now: p.o.Now}
}

// Effects are the after-store effects the settings ask for.
func (p *Pipeline) Effects() []capture.Effect {
	configure := p.o.ConfigureCLI
	if configure == nil {
		configure = ConfigureCLIEffect(p.o.Eff, p.o.Getenv)
	}
	notify := p.o.Notify
	if notify == nil {
		notify = NotifyTray(p.o.Home)
	}
	return capture.Effects(p.Settings(), configure, notify)
}

// Exchanger is the STS client and the store, with the given STS flags.
func (p *Pipeline) Exchanger(ctx context.Context, endpointFlag, regionFlag string) (*capture.Exchanger, error) {
	client, _, err := p.STS(endpointFlag, regionFlag)
	if err != nil {
		return nil, err
	}
	st, err := p.Store(ctx)
	if err != nil {
		return nil, err
	}
	set := p.Settings()
	return &capture.Exchanger{STS: client, Store: st, Aliases: set.AccountAliases, Region: p.o.Eff.Region, Now: p.o.Now}, nil
}

// Acquirer is the acquisition path with the given STS flags: exchange,
// store, remember, after-store effects.
func (p *Pipeline) Acquirer(ctx context.Context, endpointFlag, regionFlag string) (*capture.Acquirer, error) {
	ex, err := p.Exchanger(ctx, endpointFlag, regionFlag)
	if err != nil {
		return nil, err
	}
	return &capture.Acquirer{Exchanger: *ex, State: p.State(), Effects: p.Effects()}, nil
}

// Relogin is the re-login manager over the store.
func (p *Pipeline) Relogin(ctx context.Context) (*relogin.Manager, error) {
	st, err := p.Store(ctx)
	if err != nil {
		return nil, err
	}
	return &relogin.Manager{Home: p.o.Home, Store: st, Settings: p.Settings(), Env: relogin.Env(p.o.Getenv), Log: p.o.Log, Now: p.o.Now}, nil
}

// Tray is a client of the tray's local API under Home.
func (p *Pipeline) Tray() *localapi.Client { return localapi.Dial(p.o.Home) }

// ConfigureCLIEffect is the aliyun CLI profile effect under eff, with the
// one region rule: the "regions" setting for the profile or account, else
// the session's own region, else the environment's, else "region". The
// file is the one the aliyun CLI reads under getenv (aliyuncfg.Path; nil:
// os.Getenv).
func ConfigureCLIEffect(eff config.Effective, getenv func(string) string) func(ctx context.Context, s store.Session) (string, error) {
	return func(ctx context.Context, s store.Session) (string, error) {
		if r := eff.Settings.RegionFor(s.Profile, s.AccountID); r != "" {
			s.Region = r
		}
		return ConfigureCLIProfile(ctx, s, eff.RegionFor(""), getenv)
	}
}

// ConfigureCLIProfile writes (or updates) the aliyun CLI External profile
// for s in the aliyun CLI's config.json under getenv (nil: os.Getenv),
// with region as the fallback region; the note says what it did.
func ConfigureCLIProfile(ctx context.Context, s store.Session, region string, getenv func(string) string) (string, error) {
	path, err := aliyuncfg.Path(getenv)
	if err != nil {
		return "", err
	}
	res, err := aliyuncfg.ConfigureProfile(ctx, s, aliyuncfg.Options{Path: path, Region: region})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("aliyun CLI profile %s (region %s) points at ramsso process", res.Name, res.Region), nil
}

// NotifyTray tells the tray under home about a new session; best effort
// (with no tray the call fails at once and nothing happens).
func NotifyTray(home string) func(ctx context.Context, s store.Session) {
	return func(ctx context.Context, s store.Session) {
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		c := localapi.Dial(home)
		defer c.Close()
		_ = c.SessionChanged(ctx, localapi.Change{Profile: s.Profile, Reason: "added"})
	}
}
