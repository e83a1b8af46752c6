package resident

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/ramsso/ramsso/app/tray"
	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/pipeline"
	"github.com/ramsso/ramsso/internal/proc"
	"github.com/ramsso/ramsso/internal/relogin"
	"github.com/ramsso/ramsso/internal/store"
	"github.com/ramsso/ramsso/internal/sts"
	"github.com/ramsso/ramsso/internal/urlcheck"
)

// Do runs a menu action.
func (r *Resident) Do(ctx context.Context, a tray.Action) {
	var err error
	switch a.Kind {
	case tray.ActCopyEnv, tray.ActCopyID, tray.ActCopySecret, tray.ActCopyToken:
		err = r.copySecret(ctx, a)
	case tray.ActConsole:
		err = r.openConsole(ctx, a.Profile)
	case tray.ActRefresh:
		err = r.refreshSession(ctx, a.Profile)
	case tray.ActRemove:
		err = r.o.Store.Delete(ctx, a.Profile)
		if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
		r.Refresh()
	case tray.ActPickRole:
		err = r.PickFromLast(ctx)
	case tray.ActSettings:
		err = r.showSettings()
	case tray.ActQuit:
		r.queue.CancelAll()
		if r.o.Quit != nil {
			r.o.Quit()
		}
	}
	if err != nil && !errors.Is(err, capture.ErrCancelled) {
		r.o.Logf("%s %s: %v", a.Kind, a.Profile, err)
		r.notify("ramsso: "+string(a.Kind)+" failed", err.Error())
	}
}

// CopyText is what a copy action puts on the clipboard for s.
func CopyText(kind tray.Kind, s *store.Session, set *config.Settings) string {
	switch kind {
	case tray.ActCopyEnv:
		return tray.EnvText(s, set.EnvFormat, set.Region)
	case tray.ActCopyID:
		return s.Credentials.AccessKeyID
	case tray.ActCopySecret:
		return s.Credentials.AccessKeySecret
	case tray.ActCopyToken:
		return s.Credentials.SecurityToken
	}
	return ""
}

func (r *Resident) copySecret(ctx context.Context, a tray.Action) error {
	if r.o.Clipboard == nil {
		return errors.New("the tray cannot copy on this desktop: use `ramsso env " + a.Profile + "` in a terminal")
	}
	s, err := r.o.Store.Get(ctx, a.Profile)
	if err != nil {
		return fmt.Errorf("reading %s: %w", a.Profile, err)
	}
	set := r.currentSettings()
	wait, err := set.ClipboardTimeoutDuration()
	if err != nil {
		wait = config.DefaultClipboardTimeout
	}
	// The AccessKey ID alone is not a secret, but it leaves with the rest.
	return r.o.Clipboard.Copy(ctx, CopyText(a.Kind, s, set), a.Kind != tray.ActCopyID, wait)
}

func (r *Resident) openConsole(ctx context.Context, profile string) error {
	exe := r.o.RamssoExe
	if exe == "" {
		exe = SiblingExe("ramsso")
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "console", profile)
	// Only stderr: stdout may carry the sign-in URL, a bearer token.
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		if msg == "" {
			msg = err.Error()
		}
		return fmt.Errorf("ramsso console %s: %s", profile, msg)
	}
	return nil
}

// refreshSession records a re-login intent for profile and opens its IdP
// login URL (internal/relogin, as `ramsso login` does), so the next
// capture re-uses the role without asking.
func (r *Resident) refreshSession(ctx context.Context, profile string) error {
	r.mu.Lock()
	set := r.settings
	var sess *store.Session
	for i := range r.sessions {
		if r.sessions[i].Profile == profile {
			s := r.sessions[i]
			sess = &s
		}
	}
	r.mu.Unlock()
	if sess == nil {
		return fmt.Errorf("no session %s", profile)
	}
	m := &relogin.Manager{Home: r.o.Home, Store: r.o.Store, Settings: set, Now: r.o.Now,
		Open: func(ctx context.Context, login string) error {
			open := r.o.OpenURL
			if open == nil {
				open = relogin.Env(nil).Open
			}
			if err := open(ctx, login); err != nil {
				return fmt.Errorf("opening the IdP login page: %w", err)
			}
			return nil
		}}
	login := m.LoginURL(sess)
	if login == "" {
		_ = r.showSettings()
		return fmt.Errorf("no IdP login URL is known for %s: add one under IdP login URLs in Settings", profile)
	}
	// Checked before the intent is recorded: a URL that will not be opened
	// leaves no re-login pending.
	if err := urlcheck.Openable(login); err != nil {
		return fmt.Errorf("IdP login URL for %s: %w", profile, err)
	}
	if _, _, err := m.Start(ctx, sess); err != nil {
		return err
	}
	if m.Env.NoBrowser() {
		r.notify("ramsso: log in again", "Open "+login)
	}
	return nil
}

// LoginURL is the IdP login URL for a session: by profile, else by issuer
// (relogin.Manager.LoginURL's rule).
func LoginURL(set *config.Settings, s *store.Session) string {
	return (&relogin.Manager{Settings: set}).LoginURL(s)
}

// PickFromLast asks which role to assume with the last capture's assertion
// and runs the exchange itself (the assertion never leaves this process).
func (r *Resident) PickFromLast(ctx context.Context) error {
	now := r.o.Now()
	r.mu.Lock()
	resp := r.assertion
	set := r.settings
	r.mu.Unlock()
	if resp == nil || resp.Expired(now) {
		return errors.New("the last login has expired: log in again through your IdP")
	}
	def, err := set.Duration()
	if err != nil {
		def = config.DefaultDuration
	}
	req := capture.AskRequest{
		ID: "tray-" + now.Format("150405"), Issuer: resp.Issuer, Subject: resp.Subject,
		Roles: resp.Roles, Aliases: set.AccountAliases, AssertionExpires: resp.NotOnOrAfter, DefaultDuration: def,
	}
	ans, err := r.Ask(ctx, req)
	if err != nil {
		return err
	}
	role, ok := resp.Role(ans.RoleArn)
	if !ok {
		return fmt.Errorf("role %s is not in the assertion", ans.RoleArn)
	}
	// The one acquisition path, as `ramsso assume` and the host: exchange,
	// store, remember, the aliyun CLI profile when configureCli is on.
	acq, err := r.pipeline(set).Acquirer(ctx, "", "")
	if err != nil {
		return err
	}
	out, err := acq.Acquire(ctx, capture.Request{Response: resp, Role: role, Remember: ans.Remember,
		Options: capture.Options{Duration: ans.Duration}})
	if err != nil {
		return err
	}
	if out.DurationFallback {
		r.mu.Lock()
		r.maxDur[role.RoleArn] = time.Hour
		r.mu.Unlock()
	}
	for _, w := range out.Warnings {
		r.o.Logf("pick role: %s", w)
	}
	// The menu reload comes from the acquisition's tray-notice effect.
	r.notify("ramsso: signed in as "+out.Session.Profile, sessionLine(out.Session, append(out.Notes, out.Warnings...)))
	return nil
}

// pipeline is the tray's composition root for set: the store it was
// given, the STS client from the settings (Options.NewSTS in tests), and
// the after-store effects; the tray notice is its own menu refresh.
func (r *Resident) pipeline(set *config.Settings) *pipeline.Pipeline {
	o := pipeline.Options{Home: r.o.Home, Eff: config.Resolve(os.Getenv, set), Now: r.o.Now,
		OpenStore: func(context.Context, string, string) (store.Store, error) { return r.o.Store, nil },
		Notify:    func(context.Context, store.Session) { r.Refresh() },
	}
	if r.o.NewSTS != nil {
		o.NewSTS = func(sts.Config) (sts.Assumer, error) { return r.o.NewSTS(set) }
	}
	return pipeline.New(o)
}

func sessionLine(s store.Session, notes []string) string {
	line := "Valid until " + s.Expiration.Local().Format("15:04") + "."
	if len(notes) > 0 {
		line += " " + strings.Join(notes, " ")
	}
	return line
}

// SiblingExe is name next to this executable when it exists there, else
// on PATH, else name itself (proc.Find).
func SiblingExe(name string) string {
	if p, err := proc.Find(name); err == nil {
		return p
	}
	return name
}
