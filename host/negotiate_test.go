package host

import (
	"strings"
	"testing"
)

// TestProtocolSkew runs the real host process against what extensions of
// other versions send: the bare {"type":"ping"} every build before
// negotiation sent (an old extension against this new host), the current
// build's ping, and builds from either side of this host's range, which
// get one protocol_mismatch error naming what to update. The reverse (a
// new extension against an old host's bare pong) is extension/test/
// host.test.mjs "old host".
func TestProtocolSkew(t *testing.T) {
	w := newWorld(t, nil)
	tests := []struct {
		name       string
		ping       map[string]any
		want       float64 // negotiated protocol; 0 = mismatch
		wantRemedy string
	}{
		{"old extension, bare ping", map[string]any{"type": "ping"}, 1, ""},
		{"current extension", map[string]any{"type": "ping", "version": "0.1.0", "protocol": Protocol, "minProtocol": MinProtocol}, Protocol, ""},
		{"newer extension that still speaks 1", map[string]any{"type": "ping", "version": "9.0.0", "protocol": Protocol + 3, "minProtocol": 1}, Protocol, ""},
		{"extension too new for this host", map[string]any{"type": "ping", "version": "9.0.0", "protocol": Protocol + 3, "minProtocol": Protocol + 1}, 0, "update ramsso"},
		{"garbage fields count as a bare ping", map[string]any{"type": "ping", "protocol": "two"}, 1, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := w.spawn()
			c.send(tc.ping)
			m := c.next()
			if tc.want != 0 {
				if m["type"] != "pong" || m["protocol"] != tc.want || m["minProtocol"] != float64(MinProtocol) || m["maxProtocol"] != float64(Protocol) {
					t.Fatalf("pong = %v, want protocol %v and the host's range", m, tc.want)
				}
				return
			}
			e, _ := m["error"].(map[string]any)
			if m["ok"] != false || e["code"] != CodeProtocolMismatch || !strings.HasPrefix(e["remedy"].(string), tc.wantRemedy) {
				t.Fatalf("reply = %v, want protocol_mismatch with remedy %q", m, tc.wantRemedy)
			}
			if msg := e["message"].(string); !strings.Contains(msg, "ramsso-host test-version") || !strings.Contains(msg, "extension") {
				t.Errorf("message %q does not name both versions", msg)
			}
		})
	}
}

// TestNegotiate: the pure rule, including a future host that dropped
// protocol 1 (which no process test can reach while MinProtocol is 1).
func TestNegotiate(t *testing.T) {
	for _, tc := range []struct {
		extMin, extMax, hostMin, hostMax, want int
		remedy                                 string
	}{
		{1, 1, 1, 1, 1, ""},
		{1, 3, 1, 2, 2, ""},
		{2, 3, 1, 2, 2, ""},
		{3, 4, 1, 2, 0, "update ramsso"},
		{1, 1, 2, 3, 0, "update the ramsso browser extension"},
	} {
		p, err := negotiate(tc.extMin, tc.extMax, tc.hostMin, tc.hostMax, "1.0", "2.0")
		if p != tc.want || (tc.remedy == "") != (err == nil) || (err != nil && !strings.HasPrefix(err.Remedy, tc.remedy)) {
			t.Errorf("%+v: %d, %+v", tc, p, err)
		}
	}
}
