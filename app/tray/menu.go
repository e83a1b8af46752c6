// Package tray holds the desktop tray's models and the protocol between
// its two processes, without any UI toolkit: the sessions menu as data
// (BuildMenu → MenuModel), the role picker's logic (PickerModel), the
// question queue, the settings form, the icon set, and the window protocol
// (Request/Event) the resident tray (app/tray/resident, fyne.io/systray, no
// Fyne) speaks with the on-demand window process (app/tray/windows, Fyne).
//
// The shape follows Tailscale's systray: state lives in one place (the
// resident), the menu is a thin view of it built by a plain function into
// a data model that is unit-tested here, and each renderer (the D-Bus menu,
// the sessions window, the screenshots) only draws that model.
package tray

import (
	"fmt"
	"time"

	"github.com/ramsso/ramsso/internal/creds"
	"github.com/ramsso/ramsso/internal/localapi"
	"github.com/ramsso/ramsso/internal/store"
)

// ExpiringSoon is when a session's entry and the icon say "expiring soon".
const ExpiringSoon = 10 * time.Minute

// Kind names what a menu item does.
type Kind string

// Menu actions.
const (
	ActNone       Kind = ""
	ActCopyEnv    Kind = "copy-env"
	ActCopyID     Kind = "copy-id"
	ActCopySecret Kind = "copy-secret"
	ActCopyToken  Kind = "copy-token"
	ActConsole    Kind = "console"
	ActRefresh    Kind = "refresh"
	ActRemove     Kind = "remove"
	ActPickRole   Kind = "pick-role"
	ActSettings   Kind = "settings"
	ActQuit       Kind = "quit"
)

// Action is what a click does: a kind and, for session items, the profile.
type Action struct {
	Kind    Kind
	Profile string
}

// MenuItem is one entry of the menu model.
type MenuItem struct {
	Label     string
	Disabled  bool
	Separator bool
	Action    Action
	Children  []MenuItem
}

// Icon is the tray icon's state.
type Icon int

// Icon states.
const (
	IconNone     Icon = iota // no session
	IconActive               // a session with time to spare
	IconExpiring             // the best session ends within ExpiringSoon
	IconExpired              // every session has expired
)

// String names the state ("none", "active", "expiring", "expired"); the
// icon files are named after it.
func (i Icon) String() string {
	return [...]string{"none", "active", "expiring", "expired"}[i]
}

// MenuModel is the whole menu as data.
type MenuModel struct {
	Items   []MenuItem
	Icon    Icon
	Tooltip string
}

// State is what the menu shows.
type State struct {
	Sessions []store.Session
	// Last is the last capture, if any.
	Last *localapi.CaptureSummary
	// EnvFormat is sh, fish or powershell (settings.EnvFormat).
	EnvFormat string
	// FileStore, when not empty, is why sessions are kept in the plaintext
	// file store instead of the OS keyring (store.FileStoreInUse).
	FileStore string
}

// BuildMenu turns state into the menu at time now.
func BuildMenu(st State, now time.Time) MenuModel {
	var m MenuModel
	if st.FileStore != "" {
		m.Items = append(m.Items,
			MenuItem{Label: "⚠ Sessions are in the plaintext file store: " + st.FileStore, Disabled: true},
			MenuItem{Label: "  ramsso doctor says why and whether it heals", Disabled: true},
			MenuItem{Separator: true})
	}
	if len(st.Sessions) == 0 {
		m.Items = append(m.Items, MenuItem{Label: "No sessions — log in through your IdP", Disabled: true})
	}
	for _, s := range st.Sessions {
		live := !s.Expired(now)
		item := MenuItem{Label: SessionLabel(s, now)}
		format := EnvFormatLabel(st.EnvFormat)
		item.Children = []MenuItem{
			{Label: "Copy as environment (" + format + ")", Action: Action{ActCopyEnv, s.Profile}, Disabled: !live},
			{Label: "Copy AccessKey ID", Action: Action{ActCopyID, s.Profile}, Disabled: !live},
			{Label: "Copy AccessKey secret", Action: Action{ActCopySecret, s.Profile}, Disabled: !live},
			{Label: "Copy security token", Action: Action{ActCopyToken, s.Profile}, Disabled: !live},
			{Separator: true},
			{Label: "Open console as this role", Action: Action{ActConsole, s.Profile}, Disabled: !live},
			{Label: "Refresh (log in again)", Action: Action{ActRefresh, s.Profile}},
			{Separator: true},
			{Label: "Remove", Action: Action{ActRemove, s.Profile}},
		}
		m.Items = append(m.Items, item)
	}
	m.Items = append(m.Items, MenuItem{Separator: true})
	pick := MenuItem{Label: "Pick role…", Action: Action{Kind: ActPickRole}, Disabled: true}
	if l := st.Last; l != nil && l.Pickable && now.Before(l.AssertionExpires) {
		pick.Disabled = false
		pick.Label = fmt.Sprintf("Pick role… (login valid %s)", Countdown(l.AssertionExpires.Sub(now)))
	}
	m.Items = append(m.Items, pick,
		MenuItem{Label: "Settings…", Action: Action{Kind: ActSettings}},
		MenuItem{Separator: true},
		MenuItem{Label: "Quit", Action: Action{Kind: ActQuit}},
	)
	m.Icon = IconFor(st.Sessions, now)
	m.Tooltip = tooltip(st.Sessions, m.Icon, now)
	return m
}

// IconFor is the icon for sessions at now: the state of the session with
// the most time left, so one good session shows "active".
func IconFor(sessions []store.Session, now time.Time) Icon {
	if len(sessions) == 0 {
		return IconNone
	}
	best := sessions[0].Expiration
	for _, s := range sessions[1:] {
		if s.Expiration.After(best) {
			best = s.Expiration
		}
	}
	switch left := best.Sub(now); {
	case left < creds.ExpiryMargin:
		return IconExpired
	case left < ExpiringSoon:
		return IconExpiring
	default:
		return IconActive
	}
}

func tooltip(sessions []store.Session, icon Icon, now time.Time) string {
	switch icon {
	case IconNone:
		return "ramsso: no sessions"
	case IconExpired:
		return "ramsso: every session has expired"
	}
	live := 0
	for _, s := range sessions {
		if !s.Expired(now) {
			live++
		}
	}
	return fmt.Sprintf("ramsso: %d of %d sessions active", live, len(sessions))
}

// SessionLabel is a session's menu entry: profile and time left. A session
// with less than creds.ExpiryMargin left counts as expired, as everywhere.
func SessionLabel(s store.Session, now time.Time) string {
	left := s.Expiration.Sub(now)
	switch {
	case left < creds.ExpiryMargin:
		return s.Profile + " — expired"
	case left < ExpiringSoon:
		return fmt.Sprintf("%s — %s left (expiring soon)", s.Profile, Countdown(left))
	default:
		return fmt.Sprintf("%s — %s left", s.Profile, Countdown(left))
	}
}

// Countdown is a short human duration: "1h05m", "42m", "3m20s", "0s".
func Countdown(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	d = d.Round(time.Second)
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm", h, m)
	case m >= 10:
		return fmt.Sprintf("%dm", m)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, s)
	default:
		return fmt.Sprintf("%ds", s)
	}
}

// EnvFormatLabel is the display name of an env format.
func EnvFormatLabel(f string) string {
	switch f {
	case "fish":
		return "fish"
	case "powershell":
		return "PowerShell"
	default:
		return "sh"
	}
}
