package host

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/standin/testidp"
	"github.com/ramsso/ramsso/internal/store"
)

// TestFirstSeenConfirm is issue 8's reproduction: any page could
// auto-submit a one-role assertion from the attacker's own IdP and
// account, and it was exchanged and stored without a prompt. Now the first
// session from an Issuer or account is confirmed in the popup first
// (needs_confirm, showing the page it came from), and a declined one is
// never exchanged.
func TestFirstSeenConfirm(t *testing.T) {
	w := newWorld(t, nil)
	if err := os.Remove(filepath.Join(w.home, capture.TrustFile)); err != nil {
		t.Fatal(err)
	}
	confirmed := func(v bool) map[string]any {
		return map[string]any{"type": "confirm", "id": "f1", "confirmed": v}
	}
	msg := func(id string) map[string]any {
		m := capMsg(id, w.assertion(testidp.Options{}, admin))
		m["initiator"] = "https://evil.example"
		return m
	}

	t.Run("declined", func(t *testing.T) {
		c := w.spawn()
		before := w.emu.Requests()
		c.send(msg("f1"))
		m, _ := c.until("f1", "status:"+capture.StateNeedsConfirm)
		cf, _ := m["confirm"].(map[string]any)
		if cf["page"] != "https://evil.example" || cf["accountId"] != acct1 || cf["issuer"] != issuer || cf["newIssuer"] != true || cf["newAccount"] != true {
			t.Fatalf("needs_confirm = %v", m)
		}
		c.send(confirmed(false))
		if m, _ := c.until("f1", "error"); errCode(m) != capture.CodeNotConfirmed {
			t.Fatalf("declined: %v", m)
		}
		if n := w.emu.Requests() - before; n != 0 {
			t.Errorf("a declined sign-in reached STS (%d requests)", n)
		}
		if list, _ := w.store().List(context.Background()); len(list) != 0 {
			t.Errorf("a declined sign-in was stored: %v", list)
		}
		c.in.Close()
		c.waitExit(5 * time.Second)
	})
	t.Run("confirmed then known", func(t *testing.T) {
		c := w.spawn()
		c.send(msg("f1"))
		c.until("f1", "status:"+capture.StateNeedsConfirm)
		c.send(confirmed(true))
		if m, _ := c.until("f1", "done"); m["roleArn"] != admin {
			t.Fatalf("confirmed: %v", m)
		}
		c.in.Close()
		c.waitExit(5 * time.Second)
		// Known now: no question the second time.
		c = w.spawn()
		c.send(msg("f2"))
		_, states := c.until("f2", "done")
		if strings.Contains(strings.Join(states, ","), capture.StateNeedsConfirm) {
			t.Errorf("asked again for a confirmed IdP and account: %v", states)
		}
		c.in.Close()
		c.waitExit(5 * time.Second)
	})
	t.Run("known issuer, new account", func(t *testing.T) {
		// An attacker copies the known Issuer string but signs in to their
		// own account: still asked.
		c := w.spawn()
		c.send(map[string]any{"type": "capture", "id": "f3", "tabId": 1, "url": "https://signin.aliyun.com/saml-role/sso",
			"samlResponse": w.assertion(testidp.Options{}, dev)})
		m, _ := c.until("f3", "status:"+capture.StateNeedsConfirm)
		if cf, _ := m["confirm"].(map[string]any); cf["newIssuer"] != false || cf["newAccount"] != true {
			t.Fatalf("needs_confirm = %v", m)
		}
		c.in.Close() // the popup went away: nothing stored
		if m, _ := c.until("f3", "error"); errCode(m) != capture.CodeNotConfirmed {
			t.Fatalf("closed: %v", m)
		}
		c.waitExit(5 * time.Second)
		if _, err := w.store().Get(context.Background(), acct2+"-dev"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unconfirmed account stored: %v", err)
		}
	})
}
