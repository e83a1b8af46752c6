// Package demo runs ramsso's whole capture path on one machine without an
// Alibaba Cloud account: the STS emulator, a test IdP login page that
// auto-POSTs a signed SAMLResponse, a local TLS stand-in for Alibaba's
// sign-in hosts (with the console's role chooser), and a fresh Chromium
// profile with the extension and ramsso-host registered. `ramsso demo` and
// the end-to-end browser tests (e2e/) are both built on it.
package demo

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/standin/emulator"
	"github.com/ramsso/ramsso/internal/standin/testidp"
	"github.com/ramsso/ramsso/internal/store"
)

// RigConfig describes the local stand-ins and the profile to prepare.
type RigConfig struct {
	// Dir holds everything the rig writes: the ramsso home, the Chromium
	// profile and the host wrapper. It must exist.
	Dir string
	// HostBinary is the ramsso-host executable to register.
	HostBinary string
	// ExtensionDir is the unpacked Chrome build of the extension.
	ExtensionDir string
	// Emulator trusts IdP for the roles the IdP page asserts.
	Emulator emulator.Config
	// IdP signs the login page's responses.
	IdP *testidp.IdP
	// Roles are the login page's default Role attribute values.
	Roles []string
	// ConsoleChoiceWait is the host's wait for the console chooser's POST
	// (a Go duration; "" keeps ramsso's default).
	ConsoleChoiceWait string
	// NoDisplay hides DISPLAY from the host so it never starts a tray.
	NoDisplay bool
	// TrustedAccounts are recorded as confirmed, with IdP's Issuer, in the
	// fresh home (capture.Trust), as if the user had confirmed a first
	// sign-in from them before; others are asked about (needs_confirm).
	TrustedAccounts []string
}

// Rig is a running set of stand-ins plus a prepared ramsso home and
// Chromium profile.
type Rig struct {
	Home         string // RAMSSO_HOME the host uses (file store)
	ProfileDir   string // Chromium --user-data-dir
	ExtensionDir string
	ExtensionID  string
	Manifest     string // the host manifest in ProfileDir
	STSURL       string
	Emulator     *emulator.Server
	IdP          *IdPServer
	Signin       *Signin

	sts *httptest.Server
}

// NewRig starts the STS emulator, the IdP page and the sign-in stand-in,
// writes settings.json (file store, the emulator as STS endpoint) into a
// fresh home and registers the host in a fresh Chromium profile.
func NewRig(ctx context.Context, cfg RigConfig) (r *Rig, err error) {
	if cfg.Dir == "" || cfg.HostBinary == "" || cfg.ExtensionDir == "" || cfg.IdP == nil {
		return nil, errors.New("demo: RigConfig needs Dir, HostBinary, ExtensionDir and IdP")
	}
	ext, err := filepath.Abs(cfg.ExtensionDir)
	if err != nil {
		return nil, fmt.Errorf("resolving the extension directory: %w", err)
	}
	id, err := ExtensionID(ext)
	if err != nil {
		return nil, err
	}
	hostBin, err := filepath.Abs(cfg.HostBinary)
	if err != nil {
		return nil, fmt.Errorf("resolving the host binary: %w", err)
	}
	if _, err := os.Stat(hostBin); err != nil {
		return nil, fmt.Errorf("ramsso-host: %w", err)
	}
	r = &Rig{
		Home:         filepath.Join(cfg.Dir, "home"),
		ProfileDir:   filepath.Join(cfg.Dir, "chromium-profile"),
		ExtensionDir: ext,
		ExtensionID:  id,
	}
	defer func() {
		if err != nil {
			r.Close()
		}
	}()

	r.Emulator, err = emulator.New(cfg.Emulator)
	if err != nil {
		return nil, fmt.Errorf("starting the STS emulator: %w", err)
	}
	l, err := emulator.Listen("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the STS emulator: %w", err)
	}
	r.sts = httptest.NewUnstartedServer(r.Emulator)
	r.sts.Listener.Close()
	r.sts.Listener = l
	r.sts.Start()
	r.STSURL = r.sts.URL

	r.IdP, err = NewIdPServer(cfg.IdP, cfg.Roles)
	if err != nil {
		return nil, err
	}
	r.Signin = NewSignin()

	settings := &config.Settings{
		Store:             store.KindFile,
		STS:               config.STSSettings{Endpoint: r.STSURL},
		ConsoleChoiceWait: cfg.ConsoleChoiceWait,
	}
	if err := settings.SaveContext(ctx, r.Home); err != nil {
		return nil, fmt.Errorf("writing the demo settings: %w", err)
	}
	for _, a := range cfg.TrustedAccounts {
		if err := (&capture.Trust{Home: r.Home}).Record(ctx, cfg.IdP.Issuer, a); err != nil {
			return nil, fmt.Errorf("recording the demo IdP as confirmed: %w", err)
		}
	}
	if err := os.MkdirAll(r.ProfileDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the Chromium profile: %w", err)
	}
	wrapper, err := WriteHostWrapper(cfg.Dir, hostBin, r.Home, cfg.NoDisplay)
	if err != nil {
		return nil, err
	}
	r.Manifest, err = WriteHostManifest(r.ProfileDir, wrapper, id)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Flags is the Chromium switch list for this rig's profile.
func (r *Rig) Flags(headless bool) []Flag {
	return ChromiumFlags(BrowserOptions{
		UserDataDir:   r.ProfileDir,
		ExtensionDir:  r.ExtensionDir,
		ResolverRules: r.Signin.ResolverRules(),
		Headless:      headless,
	})
}

// PopupURL is the extension popup's page.
func (r *Rig) PopupURL() string { return "chrome-extension://" + r.ExtensionID + "/popup.html" }

// Store opens the rig home's file store.
func (r *Rig) Store(ctx context.Context) (store.Store, error) {
	return store.Open(ctx, r.Home, store.KindFile)
}

// Close stops every server the rig started (it leaves the files).
func (r *Rig) Close() {
	if r.sts != nil {
		r.sts.Close()
	}
	if r.IdP != nil {
		r.IdP.Close()
	}
	if r.Signin != nil {
		r.Signin.Close()
	}
}
