package rolepicker

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/ramsso/ramsso/internal/saml"
)

func role(acct, name string) saml.Role {
	return saml.Role{
		RoleArn:     "acs:ram::" + acct + ":role/" + name,
		ProviderArn: "acs:ram::" + acct + ":saml-provider/idp",
		AccountID:   acct, RoleName: name,
	}
}

var (
	prodAdmin = role("1111111111111111", "admin")
	prodRO    = role("1111111111111111", "readonly")
	devAdmin  = role("2222222222222222", "admin")
	devOps    = role("2222222222222222", "ops")
	testRoles = []saml.Role{devOps, prodRO, devAdmin, prodAdmin}
	aliases   = map[string]string{"1111111111111111": "prod"}
)

// keys turns a compact script into key messages: plain text is typed
// rune by rune; <up>, <down>, <left>, <right>, <enter>, <esc>, <ctrl-c>,
// <bs>, <ctrl-u>, <space> are those keys.
func keys(script string) []tea.Msg {
	named := map[string]tea.KeyType{
		"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
		"enter": tea.KeyEnter, "esc": tea.KeyEsc, "ctrl-c": tea.KeyCtrlC, "bs": tea.KeyBackspace,
		"ctrl-u": tea.KeyCtrlU, "space": tea.KeySpace, "tab": tea.KeyTab, "end": tea.KeyEnd,
	}
	var out []tea.Msg
	for script != "" {
		if strings.HasPrefix(script, "<") {
			end := strings.IndexByte(script, '>')
			out = append(out, tea.KeyMsg{Type: named[script[1:end]]})
			script = script[end+1:]
			continue
		}
		r := []rune(script)[0]
		out = append(out, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		script = script[len(string(r)):]
	}
	return out
}

func TestModel(t *testing.T) {
	tests := []struct {
		name     string
		opts     Options
		script   string
		outcome  Outcome
		want     saml.Role // when Picked
		duration time.Duration
		filter   string
		visible  int
	}{
		// display order: groups sorted by label (2222… before prod), roles by name
		{name: "enter picks the first", script: "<enter>", outcome: Picked, want: devAdmin, duration: time.Hour, visible: 4},
		{name: "arrows move", script: "<down><down><enter>", outcome: Picked, want: prodAdmin, duration: time.Hour, visible: 4},
		{name: "up stops at the top", script: "<up><up><enter>", outcome: Picked, want: devAdmin, duration: time.Hour, visible: 4},
		{name: "down stops at the bottom", script: "<down><down><down><down><down><enter>", outcome: Picked, want: prodRO, duration: time.Hour, visible: 4},
		{name: "digits filter by account id, never select", script: "1111<enter>", outcome: Picked, want: prodAdmin, duration: time.Hour, filter: "1111", visible: 2},
		{name: "single digit filters", script: "2", outcome: Pending, filter: "2", visible: 2},
		{name: "alias filters", script: "prod<down><enter>", outcome: Picked, want: prodRO, duration: time.Hour, filter: "prod", visible: 2},
		{name: "words all match", script: "prod<space>read<enter>", outcome: Picked, want: prodRO, duration: time.Hour, filter: "prod read", visible: 1},
		{name: "case-insensitive", script: "PROD ADMIN<enter>", outcome: Picked, want: prodAdmin, duration: time.Hour, visible: 1, filter: "PROD ADMIN"},
		{name: "ARN's fixed parts do not match", script: "acs:ram", outcome: Pending, filter: "acs:ram", visible: 0},
		{name: "role/ does not match", script: "role/", outcome: Pending, filter: "role/", visible: 0},
		{name: "enter with nothing shown does nothing", script: "zzz<enter>", outcome: Pending, filter: "zzz", visible: 0},
		{name: "backspace edits", script: "opx<bs>s<enter>", outcome: Picked, want: devOps, duration: time.Hour, filter: "ops", visible: 1},
		{name: "ctrl-u clears", script: "zzz<ctrl-u><end><enter>", outcome: Picked, want: prodRO, duration: time.Hour, visible: 4},
		{name: "selection kept while filtering", script: "<down><down>admin<enter>", outcome: Picked, want: prodAdmin, duration: time.Hour, filter: "admin", visible: 2},
		{name: "esc cancels", script: "prod<esc>", outcome: Cancelled, filter: "prod", visible: 2},
		{name: "ctrl-c interrupts", script: "<ctrl-c>", outcome: Interrupted, visible: 4},
		{name: "keys after the end are ignored", script: "<esc><enter>", outcome: Cancelled, visible: 4},
		{name: "right lengthens", script: "<right><right><enter>", outcome: Picked, want: devAdmin, duration: 3 * time.Hour, visible: 4},
		{name: "left shortens to the floor", script: "<left><left><left><left><enter>", outcome: Picked, want: devAdmin, duration: 15 * time.Minute, visible: 4},
		{name: "preset duration", opts: Options{Duration: 4 * time.Hour}, script: "<right><enter>", outcome: Picked, want: devAdmin, duration: 6 * time.Hour, visible: 4},
		{name: "odd preset duration is offered", opts: Options{Duration: 5400 * time.Second}, script: "<enter>", outcome: Picked, want: devAdmin, duration: 5400 * time.Second, visible: 4},
		{name: "right stops at 12h", opts: Options{Duration: 12 * time.Hour}, script: "<right><enter>", outcome: Picked, want: devAdmin, duration: 12 * time.Hour, visible: 4},
		{name: "capped at the role's known maximum",
			opts:   Options{Duration: 8 * time.Hour, MaxDuration: map[string]time.Duration{prodAdmin.RoleArn: 2 * time.Hour}},
			script: "prod admin<enter>", outcome: Picked, want: prodAdmin, duration: 2 * time.Hour, filter: "prod admin", visible: 1},
		{name: "the cap is per role",
			opts:   Options{Duration: 8 * time.Hour, MaxDuration: map[string]time.Duration{prodAdmin.RoleArn: 2 * time.Hour}},
			script: "<enter>", outcome: Picked, want: devAdmin, duration: 8 * time.Hour, visible: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.Roles, o.Aliases = testRoles, aliases
			m := New(o)
			for _, k := range keys(tt.script) {
				m.Update(k)
			}
			if m.Outcome() != tt.outcome {
				t.Fatalf("outcome %v, want %v", m.Outcome(), tt.outcome)
			}
			if m.Filter() != tt.filter {
				t.Errorf("filter %q, want %q", m.Filter(), tt.filter)
			}
			if len(m.Visible()) != tt.visible {
				t.Errorf("%d roles shown, want %d", len(m.Visible()), tt.visible)
			}
			if tt.outcome == Picked {
				r, _ := m.Selected()
				if r.RoleArn != tt.want.RoleArn {
					t.Errorf("picked %s, want %s", r.RoleArn, tt.want.RoleArn)
				}
				if m.Duration() != tt.duration {
					t.Errorf("duration %s, want %s", m.Duration(), tt.duration)
				}
			}
		})
	}
}

func TestView(t *testing.T) {
	m := New(Options{Roles: testRoles, Aliases: aliases, Title: "Pick a role for alice\x1b]0;pwned\x07",
		MaxDuration: map[string]time.Duration{devAdmin.RoleArn: 30 * time.Minute}})
	v := m.View()
	for _, want := range []string{"prod (1111111111111111)", "2222222222222222", "› admin", "readonly", "Duration: ← 30m → (the most this role allowed before)", "Esc cancel"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "\x1b]0;") || strings.Contains(v, "\x07") {
		t.Errorf("control characters from the assertion reach the terminal: %q", v)
	}
	if strings.Index(v, "2222222222222222") > strings.Index(v, "prod (") {
		t.Error("groups not sorted by label")
	}
	for _, k := range keys("zzz") {
		m.Update(k)
	}
	if v := m.View(); !strings.Contains(v, `no role matches "zzz"`) {
		t.Errorf("empty filter view:\n%s", v)
	}
	m.Update(keys("<esc>")[0])
	if m.View() != "" {
		t.Error("view not cleared after the picker ended")
	}
}

func TestRunFromStream(t *testing.T) {
	tests := []struct {
		in   string
		want string // role name picked; "" for an error
		err  error
	}{
		{"2222\x1b[B\r", "ops", nil},
		{"read\r", "readonly", nil},
		{"\x1b", "", ErrCancelled},
		{"\x03", "", ErrInterrupted},
		{"prod", "", ErrCancelled}, // input ends before Enter
	}
	for _, tt := range tests {
		var out bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		r, _, err := Run(ctx, strings.NewReader(tt.in), &out, Options{Roles: testRoles, Aliases: aliases})
		cancel()
		if !errors.Is(err, tt.err) || r.RoleName != tt.want {
			t.Errorf("input %q: role %q, err %v; want %q, %v", tt.in, r.RoleName, err, tt.want, tt.err)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Hour: "1h", 90 * time.Minute: "1h30m", 15 * time.Minute: "15m", 30 * time.Second: "30s", 0: "0s", 12 * time.Hour: "12h",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%s) = %q, want %q", d, got, want)
		}
	}
}
