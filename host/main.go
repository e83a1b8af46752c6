package host

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ramsso/ramsso/internal/browsers"
	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/nativemsg"
	"github.com/ramsso/ramsso/internal/pipeline"
	"github.com/ramsso/ramsso/internal/textsafe"
)

// Caller is who started the host, from its arguments.
type Caller struct {
	// Origin is "chrome-extension://<id>/" (Chrome family) or "" .
	Origin string
	// ExtensionID is the Chrome extension id or the Firefox add-on id.
	ExtensionID string
	// Browser is browsers.Chromium, browsers.Firefox or "" (unknown).
	Browser string
	// Direct is set when the host was started with no arguments at all:
	// not by a browser (browsers always name the caller) but by the user's
	// own shell or script, which could read the store anyway.
	Direct bool
}

// ParseCaller reads the caller from the host's arguments: Chrome passes
// the origin first (Windows adds --parent-window=N); Firefox passes the
// manifest path and the add-on id.
func ParseCaller(args []string) Caller {
	if len(args) == 0 {
		return Caller{Direct: true}
	}
	var rest []string
	for _, a := range args {
		if strings.HasPrefix(a, "--parent-window=") {
			continue
		}
		if strings.HasPrefix(a, "chrome-extension://") {
			id := strings.TrimSuffix(strings.TrimPrefix(a, "chrome-extension://"), "/")
			return Caller{Origin: a, ExtensionID: id, Browser: browsers.Chromium}
		}
		rest = append(rest, a)
	}
	if len(rest) >= 2 {
		return Caller{ExtensionID: rest[1], Browser: browsers.Firefox}
	}
	return Caller{}
}

// Allowed reports whether c may use the host: ramsso's own extension ids,
// ids listed in the settings' allowedExtensionIds, or a direct start from
// the user's shell (the browser's origin check is what guards against
// other extensions; a local process of the same user gains nothing here).
func (c Caller) Allowed(set *config.Settings) bool {
	if c.Direct {
		return true
	}
	if c.ExtensionID == "" {
		return false
	}
	switch c.Browser {
	case browsers.Chromium:
		for _, id := range browsers.DefaultChromeIDs {
			if c.ExtensionID == id {
				return true
			}
		}
	case browsers.Firefox:
		if c.ExtensionID == browsers.FirefoxExtensionID {
			return true
		}
	}
	if set != nil {
		for _, id := range set.AllowedExtensionIDs {
			if strings.TrimSpace(id) == c.ExtensionID {
				return true
			}
		}
	}
	return false
}

// Main runs the host process: it keeps the real stdout for frames (and
// points os.Stdout at stderr), checks the caller, opens the log under
// RAMSSO_HOME and serves stdin. It returns the exit code.
func Main(args []string, version string, hooks Hooks) int {
	out := os.Stdout
	os.Stdout = os.Stderr
	return run(args, version, hooks, os.Stdin, out)
}

func run(args []string, version string, hooks Hooks, in io.Reader, out io.Writer) int {
	home, err := config.Home()
	if err != nil {
		_ = nativemsg.WriteJSON(out, errorReply{Type: "error", Error: ErrorBody{Code: CodeConfig, Message: err.Error(), Remedy: "run `ramsso doctor`"}})
		return 1
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := config.EnsureHome(home); err == nil {
		if lf, err := OpenLog(filepath.Join(home, LogFile), DefaultLogLimit); err == nil {
			defer lf.Close()
			// Values from callers (extension ids, message ids, Issuers) are
			// escaped and capped so a log line stays one short line.
			log = slog.New(textsafe.LogHandler(slog.NewTextHandler(lf, &slog.HandlerOptions{Level: slog.LevelInfo, ReplaceAttr: utcTime}))).With("pid", os.Getpid())
		}
	}
	set, setErr := config.Load(home)
	if setErr != nil {
		log.Error("settings", "err", setErr)
		set = &config.Settings{}
	}
	caller := ParseCaller(args)
	if !caller.Allowed(set) {
		log.Warn("refused caller", "extension", caller.ExtensionID, "browser", caller.Browser)
		_ = nativemsg.WriteJSON(out, errorReply{Type: "error", Error: ErrorBody{Code: CodeForbiddenOrigin,
			Message: fmt.Sprintf("ramsso-host does not accept extension %q", textsafe.Cap(caller.ExtensionID, 128)),
			Remedy:  fmt.Sprintf("add its id to \"allowedExtensionIds\" in %s and run `ramsso install`", config.Path(home))}})
		return 0
	}
	log.Info("start", "version", version, "extension", caller.ExtensionID, "browser", caller.Browser)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	h := New(version, home, set, setErr, log, hooks)
	err = h.Serve(ctx, in, out)
	log.Info("exit", "err", errString(err))
	if err != nil {
		return 1
	}
	return 0
}

// New makes the host Main runs for home and its settings (setErr: the
// settings could not be read; captures then fail with it): the pipeline
// builds the exchanger on the first capture, and without a ConfigureCLI
// hook the aliyun CLI profile is written as `ramsso assume` and the tray
// write it.
func New(version, home string, set *config.Settings, setErr error, log *slog.Logger, hooks Hooks) *Host {
	h := &Host{Version: version, Home: home, Settings: set, Log: log, Hooks: hooks}
	p := Pipeline(home, set, log)
	if h.ConfigureCLI == nil {
		h.ConfigureCLI = pipeline.ConfigureCLIEffect(p.Effective(), nil)
	}
	h.NewExchanger = func(ctx context.Context) (*capture.Exchanger, error) {
		if setErr != nil {
			return nil, setErr
		}
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		return exchanger(ctx, p)
	}
	return h
}

// Pipeline is the host's composition root: the configuration resolved
// once (the host sees no shell environment, but honours it when present,
// for tests) and the parts built from it on first use.
func Pipeline(home string, set *config.Settings, log *slog.Logger) *pipeline.Pipeline {
	// A capture is a person signing in, not a hot path: a recorded keyring
	// fallback is retried here (store.Heal, rate-limited), never on ping,
	// which opens no store.
	return pipeline.New(pipeline.Options{Home: home, Eff: config.Resolve(os.Getenv, set), Heal: func() bool { return true }, Notice: func(n string) {
		if log != nil {
			log.Warn(n)
		}
	}})
}

// NewExchanger opens the store and the STS client the settings name.
func NewExchanger(ctx context.Context, home string, set *config.Settings, log *slog.Logger) (*capture.Exchanger, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	return exchanger(ctx, Pipeline(home, set, log))
}

// exchanger builds p's exchanger, saying which part failed.
func exchanger(ctx context.Context, p *pipeline.Pipeline) (*capture.Exchanger, error) {
	if _, err := p.Store(ctx); err != nil {
		return nil, fmt.Errorf("open the session store: %w", err)
	}
	ex, err := p.Exchanger(ctx, "", "")
	if err != nil {
		return nil, fmt.Errorf("STS settings: %w", err)
	}
	return ex, nil
}

// utcTime logs times in UTC: the same in every log whatever the zone,
// and a ping need not load the zone database to say when it came.
func utcTime(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey && len(groups) == 0 && a.Value.Kind() == slog.KindTime {
		a.Value = slog.TimeValue(a.Value.Time().UTC())
	}
	return a
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
