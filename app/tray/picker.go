package tray

import (
	"errors"
	"fmt"
	"time"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/sts"
)

// Durations the picker offers; STS allows 15 min to 12 h.
var Durations = []time.Duration{
	15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour,
	4 * time.Hour, 8 * time.Hour, 12 * time.Hour,
}

// Row is one line of the picker's list: an account header or a role.
type Row struct {
	Header bool
	Label  string
	Role   saml.Role
	// Index is the role's position among selectable rows (-1 for headers).
	Index int
}

// PickerModel is the role picker's logic, without widgets: the filter, the
// selection, the duration and its clamping, and "remember".
type PickerModel struct {
	Req     capture.AskRequest
	Aliases map[string]string
	// MaxDuration is what the tray learned (from STS refusing longer
	// sessions) each role allows; a missing role is unknown (12 h).
	MaxDuration map[string]time.Duration

	filter   string
	rows     []Row
	roles    []saml.Role // selectable, in row order
	sel      int
	want     time.Duration // what the person chose
	duration time.Duration // want, clamped for the selected role
	remember bool
	note     string
}

// NewPickerModel starts a picker for req; def is the default duration from
// the settings when req carries none.
func NewPickerModel(req capture.AskRequest, aliases map[string]string, def time.Duration, maxes map[string]time.Duration) *PickerModel {
	m := &PickerModel{Req: req, Aliases: mergeAliases(aliases, req.Aliases), MaxDuration: maxes}
	if req.DefaultDuration > 0 {
		def = req.DefaultDuration
	}
	if def <= 0 {
		def = time.Hour
	}
	m.want = def
	m.SetFilter("")
	return m
}

func mergeAliases(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

// SetFilter filters the roles (capture.FilterRoles) and keeps the selected
// role selected when it still shows, else selects the first.
func (m *PickerModel) SetFilter(q string) {
	prev, had := m.Selected()
	m.filter = q
	m.rows, m.roles = nil, nil
	for _, g := range capture.GroupByAccount(capture.FilterRoles(m.Req.Roles, q, m.Aliases), m.Aliases) {
		m.rows = append(m.rows, Row{Header: true, Label: g.Label(), Index: -1})
		for _, r := range g.Roles {
			m.rows = append(m.rows, Row{Label: r.RoleName, Role: r, Index: len(m.roles)})
			m.roles = append(m.roles, r)
		}
	}
	m.sel = 0
	if had {
		for i, r := range m.roles {
			if r.RoleArn == prev.RoleArn {
				m.sel = i
			}
		}
	}
	m.clamp()
}

// Filter is the current filter text.
func (m *PickerModel) Filter() string { return m.filter }

// Rows are the list's lines: account headers and their roles.
func (m *PickerModel) Rows() []Row { return m.rows }

// Count is the number of roles shown.
func (m *PickerModel) Count() int { return len(m.roles) }

// Selected is the selected role, if any role shows.
func (m *PickerModel) Selected() (saml.Role, bool) {
	if m.sel < 0 || m.sel >= len(m.roles) {
		return saml.Role{}, false
	}
	return m.roles[m.sel], true
}

// SelectedIndex is the selection among the shown roles (-1: none).
func (m *PickerModel) SelectedIndex() int {
	if len(m.roles) == 0 {
		return -1
	}
	return m.sel
}

// SelectedRow is the selection's index in Rows (-1: none).
func (m *PickerModel) SelectedRow() int {
	for i, r := range m.rows {
		if !r.Header && r.Index == m.sel {
			return i
		}
	}
	return -1
}

// Move moves the selection by delta roles (arrow keys), stopping at the ends.
func (m *PickerModel) Move(delta int) {
	if len(m.roles) == 0 {
		return
	}
	m.sel = min(max(m.sel+delta, 0), len(m.roles)-1)
	m.clamp()
}

// Select selects the role at index i of the shown roles.
func (m *PickerModel) Select(i int) {
	if i >= 0 && i < len(m.roles) {
		m.sel = i
		m.clamp()
	}
}

// SetDuration sets the session duration, clamped to what STS and the
// selected role allow; Note explains any clamping.
func (m *PickerModel) SetDuration(d time.Duration) {
	m.want = d
	m.clamp()
}

// Duration is the chosen duration, clamped for the selected role.
func (m *PickerModel) Duration() time.Duration { return m.duration }

// Note explains why the duration differs from what was asked, or "".
func (m *PickerModel) Note() string { return m.note }

func (m *PickerModel) clamp() {
	m.note = ""
	m.duration = m.want
	switch {
	case m.duration < sts.MinDuration:
		m.duration = sts.MinDuration
		m.note = "Sessions last at least 15 minutes."
	case m.duration > sts.MaxDuration:
		m.duration = sts.MaxDuration
		m.note = "Sessions last at most 12 hours."
	}
	if r, ok := m.Selected(); ok {
		if max := m.MaxDuration[r.RoleArn]; max > 0 && m.duration > max {
			m.duration = max
			m.note = fmt.Sprintf("%s allows at most %s (STS refused a longer session before); using %s.",
				capture.RoleLabel(r, m.Aliases), Countdown(max), Countdown(max))
		}
	}
}

// SetRemember sets "remember this choice for this IdP".
func (m *PickerModel) SetRemember(on bool) { m.remember = on }

// Remember is the checkbox's state.
func (m *PickerModel) Remember() bool { return m.remember }

// TimeLeft is how long the assertion stays valid (0 when unknown or gone).
func (m *PickerModel) TimeLeft(now time.Time) time.Duration {
	if m.Req.AssertionExpires.IsZero() {
		return 0
	}
	return max(m.Req.AssertionExpires.Sub(now), 0)
}

// Expired says the assertion can no longer be exchanged.
func (m *PickerModel) Expired(now time.Time) bool {
	return !m.Req.AssertionExpires.IsZero() && !now.Before(m.Req.AssertionExpires)
}

// ExpiryText is the countdown line shown under the IdP and user.
func (m *PickerModel) ExpiryText(now time.Time) string {
	switch {
	case m.Req.AssertionExpires.IsZero():
		return ""
	case m.Expired(now):
		return "This login has expired: log in again through your IdP."
	default:
		return "Login valid for " + Countdown(m.TimeLeft(now))
	}
}

// ErrNoRole is returned by Answer when no role shows.
var ErrNoRole = errors.New("no role matches the filter")

// Answer is the choice to send back (Enter or the Pick button).
func (m *PickerModel) Answer(now time.Time) (capture.Answer, error) {
	r, ok := m.Selected()
	if !ok {
		return capture.Answer{}, ErrNoRole
	}
	if m.Expired(now) {
		return capture.Answer{}, errors.New("the login has expired: log in again through your IdP")
	}
	return capture.Answer{RoleArn: r.RoleArn, Duration: m.duration, Remember: m.remember}, nil
}
