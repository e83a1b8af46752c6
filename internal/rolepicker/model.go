// Package rolepicker is the terminal's role picker: a Bubble Tea model that
// lists an assertion's roles grouped by account, filters them as the user
// types (account id, alias or role name — never the whole ARN, and digits
// are filter text, not role numbers), moves with the arrow keys, offers the
// session duration, and ends with Enter (pick) or Esc / Ctrl-C (cancel).
//
// The model is a pure function of the messages it is given, so tests feed
// it key events and read its state; Run drives it on a terminal.
package rolepicker

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/sts"
)

// Outcome says how the picker ended.
type Outcome int

// The ways a picker ends.
const (
	Pending     Outcome = iota // still running
	Picked                     // Enter on a role
	Cancelled                  // Esc, or the input ended
	Interrupted                // Ctrl-C
)

// Durations are the session lengths the picker offers with ←/→; a
// duration given by the caller that is not among them is added.
var Durations = []time.Duration{
	15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 3 * time.Hour,
	4 * time.Hour, 6 * time.Hour, 8 * time.Hour, 12 * time.Hour,
}

// Options configure a picker.
type Options struct {
	Roles   []saml.Role
	Aliases map[string]string // account id → alias
	// Duration preselected (0: 1 h, STS's default).
	Duration time.Duration
	// MaxDuration is what STS allowed at most per role ARN (learned from a
	// refusal); the picker offers no more than that for the role.
	MaxDuration map[string]time.Duration
	// Title is shown above the list (e.g. the IdP and the user).
	Title string
}

// Model is the picker's state. Build it with New.
type Model struct {
	opts      Options
	groups    []capture.AccountGroup // all roles, grouped and sorted
	filter    string
	visible   []saml.Role // roles matching filter, in display order
	cursor    int         // index into visible
	durations []time.Duration
	durIdx    int
	height    int // terminal rows; 0 unknown
	outcome   Outcome
}

// New returns a picker over opts.Roles.
func New(opts Options) *Model {
	m := &Model{opts: opts}
	m.groups = capture.GroupByAccount(opts.Roles, opts.Aliases)
	want := opts.Duration
	if want == 0 {
		want = sts.DefaultDuration
	}
	m.durations = append([]time.Duration(nil), Durations...)
	found := false
	for i, d := range m.durations {
		if d == want {
			m.durIdx, found = i, true
		}
	}
	if !found {
		i := 0
		for i < len(m.durations) && m.durations[i] < want {
			i++
		}
		m.durations = append(m.durations[:i], append([]time.Duration{want}, m.durations[i:]...)...)
		m.durIdx = i
	}
	m.refilter()
	return m
}

// Init implements tea.Model.
func (m *Model) Init() tea.Cmd { return nil }

// Outcome reports how the picker ended (Pending while it runs).
func (m *Model) Outcome() Outcome { return m.outcome }

// Filter is the current filter text.
func (m *Model) Filter() string { return m.filter }

// Visible is the roles the filter leaves, in display order.
func (m *Model) Visible() []saml.Role { return m.visible }

// Selected is the highlighted role; ok is false when no role is shown.
func (m *Model) Selected() (saml.Role, bool) {
	if m.cursor < 0 || m.cursor >= len(m.visible) {
		return saml.Role{}, false
	}
	return m.visible[m.cursor], true
}

// Duration is the duration that will be asked for the selected role: the
// chosen one, capped at what STS is known to allow for that role.
func (m *Model) Duration() time.Duration {
	d := m.durations[m.durIdx]
	if r, ok := m.Selected(); ok {
		if max := m.opts.MaxDuration[r.RoleArn]; max > 0 && d > max {
			return max
		}
	}
	return d
}

// InputEnded is the message Run sends when the terminal's input ends.
type InputEnded struct{}

// Update implements tea.Model: keys edit the filter, move the cursor,
// change the duration or end the picker.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m.outcome != Pending {
		return m, tea.Quit
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.height = msg.Height
	case InputEnded:
		m.outcome = Cancelled
		return m, tea.Quit
	case tea.KeyMsg:
		return m, m.key(msg)
	}
	return m, nil
}

func (m *Model) key(k tea.KeyMsg) tea.Cmd {
	switch k.Type {
	case tea.KeyCtrlC:
		m.outcome = Interrupted
		return tea.Quit
	case tea.KeyEsc:
		m.outcome = Cancelled
		return tea.Quit
	case tea.KeyEnter:
		if _, ok := m.Selected(); ok {
			m.outcome = Picked
			return tea.Quit
		}
	case tea.KeyUp, tea.KeyCtrlP, tea.KeyShiftTab:
		m.move(-1)
	case tea.KeyDown, tea.KeyCtrlN, tea.KeyTab:
		m.move(1)
	case tea.KeyPgUp:
		m.move(-m.pageSize())
	case tea.KeyPgDown:
		m.move(m.pageSize())
	case tea.KeyHome:
		m.cursor = 0
	case tea.KeyEnd:
		m.cursor = max(len(m.visible)-1, 0)
	case tea.KeyLeft:
		if m.durIdx > 0 {
			m.durIdx--
		}
	case tea.KeyRight:
		if m.durIdx < len(m.durations)-1 {
			m.durIdx++
		}
	case tea.KeyBackspace, tea.KeyCtrlH:
		if r := []rune(m.filter); len(r) > 0 {
			m.setFilter(string(r[:len(r)-1]))
		}
	case tea.KeyCtrlU:
		m.setFilter("")
	case tea.KeySpace:
		m.setFilter(m.filter + " ")
	case tea.KeyRunes:
		if !k.Paste || !strings.ContainsAny(string(k.Runes), "\r\n") {
			m.setFilter(m.filter + string(k.Runes))
		}
	}
	return nil
}

func (m *Model) move(n int) {
	if len(m.visible) == 0 {
		return
	}
	m.cursor = min(max(m.cursor+n, 0), len(m.visible)-1)
}

func (m *Model) pageSize() int { return max(m.listRows()-1, 1) }

// setFilter refilters and keeps the highlighted role when it still shows.
func (m *Model) setFilter(f string) {
	prev, had := m.Selected()
	m.filter = f
	m.refilter()
	if had {
		for i, r := range m.visible {
			if r.RoleArn == prev.RoleArn {
				m.cursor = i
				return
			}
		}
	}
	m.cursor = 0
}

func (m *Model) refilter() {
	m.visible = m.visible[:0]
	words := strings.Fields(strings.ToLower(m.filter))
	for _, g := range m.groups {
		for _, r := range g.Roles {
			if capture.RoleMatches(r, m.opts.Aliases, words) {
				m.visible = append(m.visible, r)
			}
		}
	}
}

// listRows is how many role lines fit: the terminal less the header and
// footer lines, at least 5, at most 15 when the size is unknown.
func (m *Model) listRows() int {
	if m.height <= 0 {
		return 15
	}
	return max(m.height-8, 5)
}

// ANSI styles, kept to the few every terminal has.
const (
	bold    = "\x1b[1m"
	faint   = "\x1b[2m"
	reverse = "\x1b[7m"
	reset   = "\x1b[0m"
)

// View implements tea.Model. It is empty once the picker has ended, so
// the list disappears and only the caller's summary line stays.
func (m *Model) View() string {
	if m.outcome != Pending {
		return ""
	}
	var b strings.Builder
	if m.opts.Title != "" {
		fmt.Fprintf(&b, "%s%s%s\n", bold, clean(m.opts.Title), reset)
	}
	fmt.Fprintf(&b, "Role (type to filter)> %s%s█%s\n", clean(m.filter), faint, reset)
	rows := m.listRows()
	first := 0
	if m.cursor >= rows {
		first = m.cursor - rows + 1
	}
	if len(m.visible) == 0 {
		fmt.Fprintf(&b, "  %sno role matches %q (backspace to edit)%s\n", faint, m.filter, reset)
	}
	i := 0
	for _, g := range m.groups {
		header := false
		for _, r := range g.Roles {
			if i >= len(m.visible) || m.visible[i].RoleArn != r.RoleArn {
				continue
			}
			if i >= first && i < first+rows {
				if !header {
					fmt.Fprintf(&b, "%s%s%s\n", bold, clean(g.Label()), reset)
					header = true
				}
				if i == m.cursor {
					fmt.Fprintf(&b, "%s› %s%s\n", reverse, clean(r.RoleName), reset)
				} else {
					fmt.Fprintf(&b, "  %s\n", clean(r.RoleName))
				}
			}
			i++
		}
	}
	if n := len(m.visible); n > rows {
		fmt.Fprintf(&b, "%s  … %d of %d roles shown%s\n", faint, rows, n, reset)
	}
	d := m.Duration()
	note := ""
	if d < m.durations[m.durIdx] {
		note = " (the most this role allowed before)"
	}
	fmt.Fprintf(&b, "Duration: ← %s →%s\n", FormatDuration(d), note)
	fmt.Fprintf(&b, "%s↑/↓ move · ←/→ duration · Enter pick · Esc cancel%s", faint, reset)
	return b.String()
}

// clean makes text from the assertion (unverified: the role names, the
// subject) safe to put on a terminal: control characters, which could
// move the cursor or retitle the window, become "?".
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
}

// FormatDuration prints a session duration the way users write it: "1h",
// "1h30m", "15m", "45s".
func FormatDuration(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	var b strings.Builder
	if h > 0 {
		fmt.Fprintf(&b, "%dh", h)
	}
	if m > 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	if s > 0 || b.Len() == 0 {
		fmt.Fprintf(&b, "%ds", s)
	}
	return b.String()
}
