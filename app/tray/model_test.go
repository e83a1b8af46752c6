package tray

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/localapi"
	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/store"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func sess(profile string, left time.Duration) store.Session {
	return store.Session{Profile: profile, RoleArn: "acs:ram::1:role/" + profile, Expiration: t0.Add(left)}
}

func role(acct, name string) saml.Role {
	return saml.Role{
		RoleArn:     "acs:ram::" + acct + ":role/" + name,
		ProviderArn: "acs:ram::" + acct + ":saml-provider/okta",
		AccountID:   acct, RoleName: name,
	}
}

var testRoles = []saml.Role{
	role("222", "dev"), role("111", "admin"), role("111", "audit"), role("333", "admin"),
}

func TestIconFor(t *testing.T) {
	tests := []struct {
		name     string
		sessions []store.Session
		want     Icon
	}{
		{"none", nil, IconNone},
		{"active", []store.Session{sess("a", time.Hour)}, IconActive},
		{"expiring", []store.Session{sess("a", 8*time.Minute)}, IconExpiring},
		{"under the margin counts as expired", []store.Session{sess("a", 4*time.Minute)}, IconExpired},
		{"all expired", []store.Session{sess("a", -time.Hour), sess("b", -time.Minute)}, IconExpired},
		{"best session wins", []store.Session{sess("a", -time.Hour), sess("b", 2*time.Hour), sess("c", 9*time.Minute)}, IconActive},
		{"best is expiring", []store.Session{sess("a", -time.Hour), sess("c", 9*time.Minute)}, IconExpiring},
	}
	for _, tt := range tests {
		if got := IconFor(tt.sessions, t0); got != tt.want {
			t.Errorf("%s: IconFor = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestSessionLabel(t *testing.T) {
	tests := []struct {
		left time.Duration
		want string
	}{
		{65 * time.Minute, "p — 1h05m left"},
		{42*time.Minute + 10*time.Second, "p — 42m left"},
		{7*time.Minute + 5*time.Second, "p — 7m05s left (expiring soon)"},
		{4 * time.Minute, "p — expired"},
		{-time.Hour, "p — expired"},
	}
	for _, tt := range tests {
		if got := SessionLabel(sess("p", tt.left), t0); got != tt.want {
			t.Errorf("SessionLabel(%s) = %q, want %q", tt.left, got, tt.want)
		}
	}
}

func labels(items []MenuItem) []string {
	var out []string
	for _, it := range items {
		if it.Separator {
			out = append(out, "---")
			continue
		}
		l := it.Label
		if it.Disabled {
			l = "(" + l + ")"
		}
		out = append(out, l)
	}
	return out
}

func TestBuildMenu(t *testing.T) {
	st := State{
		Sessions:  []store.Session{sess("dev-admin", 2*time.Hour), sess("old", -time.Hour)},
		EnvFormat: "fish",
	}
	m := BuildMenu(st, t0)
	got := strings.Join(labels(m.Items), "|")
	want := "dev-admin — 2h00m left|old — expired|---|(Pick role…)|Settings…|---|Quit"
	if got != want {
		t.Fatalf("menu =\n%s\nwant\n%s", got, want)
	}
	if m.Icon != IconActive {
		t.Errorf("icon = %v", m.Icon)
	}
	sub := m.Items[0].Children
	if got := strings.Join(labels(sub), "|"); got != "Copy as environment (fish)|Copy AccessKey ID|Copy AccessKey secret|Copy security token|---|Open console as this role|Refresh (log in again)|---|Remove" {
		t.Errorf("live session submenu = %s", got)
	}
	for _, it := range sub {
		if !it.Separator && it.Action.Profile != "dev-admin" {
			t.Errorf("%q acts on %q", it.Label, it.Action.Profile)
		}
	}
	// An expired session can only be refreshed or removed.
	for _, it := range m.Items[1].Children {
		if it.Separator {
			continue
		}
		wantEnabled := it.Action.Kind == ActRefresh || it.Action.Kind == ActRemove
		if it.Disabled == wantEnabled {
			t.Errorf("expired session: %q disabled=%v", it.Label, it.Disabled)
		}
	}

	// Pick role… is offered while the last capture's assertion is valid.
	st.Last = &localapi.CaptureSummary{Pickable: true, AssertionExpires: t0.Add(4 * time.Minute)}
	m = BuildMenu(st, t0)
	if pick := m.Items[3]; pick.Disabled || pick.Action.Kind != ActPickRole || pick.Label != "Pick role… (login valid 4m00s)" {
		t.Errorf("pick item = %+v", pick)
	}
	if pick := BuildMenu(st, t0.Add(5*time.Minute)).Items[3]; !pick.Disabled {
		t.Errorf("pick item enabled after the assertion expired: %+v", pick)
	}

	empty := BuildMenu(State{}, t0)
	if empty.Items[0].Label != "No sessions — log in through your IdP" || !empty.Items[0].Disabled || empty.Icon != IconNone {
		t.Errorf("empty menu = %+v", empty)
	}
}

func TestPickerGroupingAndFilter(t *testing.T) {
	m := NewPickerModel(capture.AskRequest{Roles: testRoles}, map[string]string{"111": "prod"}, time.Hour, nil)
	var rows []string
	for _, r := range m.Rows() {
		if r.Header {
			rows = append(rows, "["+r.Label+"]")
		} else {
			rows = append(rows, r.Label)
		}
	}
	if got := strings.Join(rows, " "); got != "[222] dev [333] admin [prod (111)] admin audit" {
		t.Errorf("rows = %s", got)
	}
	if r, _ := m.Selected(); r.RoleArn != testRoles[0].RoleArn {
		t.Errorf("first selection = %s", r.RoleArn)
	}
	tests := []struct {
		filter string
		want   int
		first  string
	}{
		{"admin", 2, "acs:ram::333:role/admin"},
		{"prod", 2, "acs:ram::111:role/admin"},
		{"PROD aud", 1, "acs:ram::111:role/audit"},
		{"nothing", 0, ""},
		{"", 4, "acs:ram::222:role/dev"},
	}
	for _, tt := range tests {
		m.SetFilter(tt.filter)
		r, ok := m.Selected()
		if m.Count() != tt.want || (ok && r.RoleArn != tt.first) || ok != (tt.want > 0) {
			t.Errorf("filter %q: %d roles, selected %s; want %d, %s", tt.filter, m.Count(), r.RoleArn, tt.want, tt.first)
		}
	}
	if _, err := func() (capture.Answer, error) { m.SetFilter("zzz"); return m.Answer(t0) }(); !errors.Is(err, ErrNoRole) {
		t.Errorf("Answer with nothing shown = %v", err)
	}
}

func TestPickerKeyboardModel(t *testing.T) {
	m := NewPickerModel(capture.AskRequest{Roles: testRoles}, nil, time.Hour, nil)
	m.Move(-1)
	if m.SelectedIndex() != 0 {
		t.Errorf("up at the top moved to %d", m.SelectedIndex())
	}
	m.Move(2)
	if m.SelectedIndex() != 2 || m.SelectedRow() != 4 { // rows: [111] admin audit [222] dev ...
		t.Errorf("after down×2: index %d row %d", m.SelectedIndex(), m.SelectedRow())
	}
	m.Move(10)
	if m.SelectedIndex() != 3 {
		t.Errorf("down past the end: %d", m.SelectedIndex())
	}
	// The selection survives a filter that keeps it.
	sel, _ := m.Selected()
	m.SetFilter("admin")
	if r, _ := m.Selected(); r.RoleArn != sel.RoleArn {
		t.Errorf("filter lost the selection: %s, had %s", r.RoleArn, sel.RoleArn)
	}
}

func TestPickerDurationClamp(t *testing.T) {
	admin := testRoles[1]
	maxes := map[string]time.Duration{admin.RoleArn: time.Hour}
	tests := []struct {
		name   string
		role   int // index among shown roles (sorted: 111/admin, 111/audit, 222/dev, 333/admin)
		set    time.Duration
		want   time.Duration
		noteIn string
	}{
		{"within bounds", 2, 2 * time.Hour, 2 * time.Hour, ""},
		{"below STS minimum", 2, 5 * time.Minute, 15 * time.Minute, "at least 15 minutes"},
		{"above STS maximum", 2, 24 * time.Hour, 12 * time.Hour, "at most 12 hours"},
		{"role allows less", 0, 8 * time.Hour, time.Hour, "111/admin allows at most 1h00m"},
		{"role limit not hit", 0, 30 * time.Minute, 30 * time.Minute, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewPickerModel(capture.AskRequest{Roles: testRoles}, nil, time.Hour, maxes)
			m.Select(tt.role)
			m.SetDuration(tt.set)
			if m.Duration() != tt.want {
				t.Errorf("duration = %s, want %s", m.Duration(), tt.want)
			}
			if (tt.noteIn == "") != (m.Note() == "") || !strings.Contains(m.Note(), tt.noteIn) {
				t.Errorf("note = %q, want one containing %q", m.Note(), tt.noteIn)
			}
		})
	}
	// Moving onto a limited role clamps a long duration already chosen.
	m := NewPickerModel(capture.AskRequest{Roles: testRoles}, nil, 4*time.Hour, maxes)
	if m.Duration() != time.Hour || m.Note() == "" {
		t.Errorf("on the limited role: %s %q", m.Duration(), m.Note())
	}
	m.Select(2) // moving away restores the person's choice
	if m.Duration() != 4*time.Hour || m.Note() != "" {
		t.Fatalf("on an unlimited role = %s %q", m.Duration(), m.Note())
	}
	// The request's default wins over the settings'.
	if d := NewPickerModel(capture.AskRequest{Roles: testRoles, DefaultDuration: 2 * time.Hour}, nil, time.Hour, nil).Duration(); d != 2*time.Hour {
		t.Errorf("request default ignored: %s", d)
	}
}

func TestPickerAnswerRememberAndExpiry(t *testing.T) {
	req := capture.AskRequest{Roles: testRoles, AssertionExpires: t0.Add(3 * time.Minute)}
	m := NewPickerModel(req, nil, time.Hour, nil)
	m.Move(1)
	m.SetRemember(true)
	m.SetDuration(2 * time.Hour)
	ans, err := m.Answer(t0)
	if err != nil || ans.RoleArn != "acs:ram::111:role/audit" || !ans.Remember || ans.Duration != 2*time.Hour {
		t.Fatalf("Answer = %+v, %v", ans, err)
	}
	if got := m.ExpiryText(t0.Add(time.Minute)); got != "Login valid for 2m00s" {
		t.Errorf("ExpiryText = %q", got)
	}
	if _, err := m.Answer(t0.Add(3 * time.Minute)); err == nil {
		t.Error("Answer after the assertion expired succeeded")
	}
	if !strings.Contains(m.ExpiryText(t0.Add(time.Hour)), "expired") {
		t.Errorf("ExpiryText after expiry = %q", m.ExpiryText(t0.Add(time.Hour)))
	}
}

func TestQueue(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	q := &Queue{OnChange: func(cur *Ask) {
		mu.Lock()
		defer mu.Unlock()
		if cur == nil {
			seen = append(seen, "-")
		} else {
			seen = append(seen, cur.Req.ID)
		}
	}}
	type res struct {
		id  string
		ans capture.Answer
		err error
	}
	results := make(chan res, 3)
	ask := func(ctx context.Context, id string) {
		ans, err := q.Ask(ctx, capture.AskRequest{ID: id, Roles: testRoles})
		results <- res{id, ans, err}
	}
	waitLen := func(n int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for q.Len() != n {
			if time.Now().After(deadline) {
				t.Fatalf("queue length %d, want %d", q.Len(), n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	go ask(context.Background(), "a")
	waitLen(1)
	go ask(context.Background(), "b")
	waitLen(2)
	ctxC, cancelC := context.WithCancel(context.Background())
	go ask(ctxC, "c")
	waitLen(3)
	if cur := q.Current(); cur.Req.ID != "a" {
		t.Fatalf("current = %s, want a (first come)", cur.Req.ID)
	}
	// c gives up while queued: it leaves without disturbing a.
	cancelC()
	if r := <-results; r.id != "c" || !errors.Is(r.err, context.Canceled) {
		t.Fatalf("c: %+v", r)
	}
	if q.Current().Req.ID != "a" || q.Len() != 2 {
		t.Fatalf("after c left: current %s len %d", q.Current().Req.ID, q.Len())
	}
	a := q.Current()
	q.Resolve(a, capture.Answer{RoleArn: "x"}, nil)
	q.Resolve(a, capture.Answer{RoleArn: "twice"}, nil) // no-op
	if r := <-results; r.id != "a" || r.ans.RoleArn != "x" || r.err != nil {
		t.Fatalf("a: %+v", r)
	}
	if q.Current().Req.ID != "b" {
		t.Fatalf("b did not become current")
	}
	q.CancelAll()
	if r := <-results; r.id != "b" || !errors.Is(r.err, capture.ErrCancelled) {
		t.Fatalf("b: %+v", r)
	}
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Join(seen, ","); got != "a,b,-" {
		t.Errorf("picker saw %s, want a,b,- (one at a time, in order)", got)
	}
}

// TestBuildMenuFileStore: when sessions are kept in the plaintext file
// store (the keyring did not answer), the menu says so and why.
func TestBuildMenuFileStore(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	m := BuildMenu(State{FileStore: "the OS keyring did not answer within 3s"}, now)
	if len(m.Items) == 0 || !m.Items[0].Disabled || !strings.Contains(m.Items[0].Label, "plaintext file store: the OS keyring did not answer") {
		t.Fatalf("first item = %+v, want the file-store warning", m.Items)
	}
	for _, it := range BuildMenu(State{}, now).Items {
		if strings.Contains(it.Label, "file store") {
			t.Errorf("keyring in use, yet the menu says %q", it.Label)
		}
	}
}
