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
	"github.com/ramsso/ramsso/internal/policy"
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

	// OpenStore opens the session store; nil: store.Open (and only then
	// can a keyring fallback heal, see Heal).
	OpenStore func(ctx context.Context, home, kind string) (store.Store, error)
	// Heal reports, when the store is opened, whether a recorded keyring
	// fallback may first be retried (store.Heal): true for commands a
	// person runs, false on hot paths (`ramsso process`, `ramsso serve`)
	// and in the host. nil: never.
	Heal func() bool
	// Admin loads the administrator's policy (allowed IdPs and accounts,
	// duration cap, plaintext storage); nil: policy.Current. Every
	// front-end's store and exchanges are checked against it.
	Admin func() (*policy.Policy, error)
	// OnWait receives the STS client's "still waiting" progress lines;
	// nil: none.
	OnWait func(string)
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

	adOnce sync.Once
	ad     *policy.Policy
	adErr  error
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

// Admin is the administrator's policy, loaded once.
func (p *Pipeline) Admin() (*policy.Policy, error) {
	p.adOnce.Do(func() {
		load := p.o.Admin
		if load == nil {
			load = policy.Current
		}
		p.ad, p.adErr = load()
	})
	return p.ad, p.adErr
}

// Store opens the session store the configuration names, once: first
// healing a keyring fallback when Options.Heal allows, then refusing a
// file store the administrator's policy forbids.
func (p *Pipeline) Store(ctx context.Context) (store.Store, error) {
	p.stOnce.Do(func() { p.st, p.stErr = p.openStore(ctx) })
	return p.st, p.stErr
}

func (p *Pipeline) openStore(ctx context.Context) (store.Store, error) {
	open := p.o.OpenStore
	healed := ""
	if open == nil {
		open = store.Open
		if p.o.Heal != nil && p.o.Heal() && p.o.Eff.Store != store.KindFile {
			healed = heal(ctx, p.o.Home, p.now())
		}
	}
	if p.o.Eff.Store == store.KindFile {
		// Refused before anything is opened or created (a missing home
		// gets a lazy store, which store.IsFile cannot see through).
		if err := p.checkFileStore(); err != nil {
			return nil, err
		}
	}
	st, err := open(ctx, p.o.Home, p.o.Eff.Store)
	if err != nil {
		return nil, err
	}
	if store.IsFile(st) { // the keyring fell back to the file store
		if err := p.checkFileStore(); err != nil {
			return nil, err
		}
	}
	if p.o.Notice != nil {
		if n := store.Notice(st); n != "" {
			p.o.Notice(n)
		} else if healed != "" {
			p.o.Notice(healed)
		}
	}
	return st, nil
}

// checkFileStore refuses the file store when the administrator's policy
// forbids it.
func (p *Pipeline) checkFileStore() error {
	admin, err := p.Admin()
	if err != nil {
		return err
	}
	return admin.CheckStore(store.KindFile)
}

// heal retries the keyring after a recorded fallback (store.Heal: only
// when the Secret Service is reachable, at most every store.HealInterval)
// and says what happened ("": nothing).
func heal(ctx context.Context, home string, now time.Time) string {
	res, err := store.Heal(ctx, home, now)
	if err != nil {
		return "ramsso: the OS keyring answers again, but moving the sessions back failed: " + err.Error()
	}
	if res.Healed {
		return fmt.Sprintf("ramsso: the OS keyring answers again; moved %d session(s) back from the file store", res.Moved)
	}
	return ""
}

func (p *Pipeline) now() time.Time {
	if p.o.Now != nil {
		return p.o.Now()
	}
	return time.Now()
}

// STSConfig is the STS client configuration for eff (the endpoint
// choice and the proxy; STS adds the timeout and progress).
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
	if cfg.CallTimeout, err = eff.STSTimeout(); err != nil {
		return nil, "", err
	}
	cfg.OnWait = p.o.OnWait
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
	admin, err := p.Admin()
	if err != nil {
		return nil, err
	}
	set := p.Settings()
	return &capture.Exchanger{STS: client, Store: st, Aliases: set.AccountAliases, Region: p.o.Eff.Region, Now: p.o.Now,
		Admin: admin, Home: p.o.Home}, nil
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
