package credserver

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestActivationCount(t *testing.T) {
	cases := []struct {
		pid, fds string
		want     int
		err      bool
	}{
		{"", "", 0, false},
		{"42", "1", 1, false},
		{"43", "1", 0, false}, // meant for another process
		{"x", "1", 0, false},
		{"42", "0", 0, true},
		{"42", "", 0, true},
	}
	for _, c := range cases {
		n, err := activationCount(c.pid, c.fds, 42)
		if n != c.want || (err != nil) != c.err {
			t.Errorf("activationCount(%q, %q) = %d, %v", c.pid, c.fds, n, err)
		}
	}
}

func TestListenerUIDs(t *testing.T) {
	procNetTCP := `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:5BA0 00000000:0000 0A 00000000:00000000 00:00000000 00000000 65534        0 1111 1 0000000000000000 100 0 0 10 0
   1: 00000000:5BA0 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 2222 1 0000000000000000 100 0 0 10 0
   2: 0100007F:5BA0 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 3333 1 0000000000000000 20 4 30 10 -1
   3: 0100007F:5BA1 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4444 1 0000000000000000 100 0 0 10 0
   4: 0A00000A:5BA0 00000000:0000 0A 00000000:00000000 00:00000000 00000000    33        0 5555 1 0000000000000000 100 0 0 10 0
`
	if got := ListenerUIDs(procNetTCP, 0x5BA0); !reflect.DeepEqual(got, []int{65534, 1000}) {
		t.Fatalf("ListenerUIDs = %v, want the two listeners on loopback/any (not the connection, not 10.0.0.10)", got)
	}
}

func TestProbe(t *testing.T) {
	ours := &Server{State: State{Token: "tok-abcdefghijklmnop"}}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ours.State.Port = portOf(t, r.Host)
		ours.ServeHTTP(w, r)
	}))
	defer ts.Close()
	port := portOf(t, strings.TrimPrefix(ts.URL, "http://"))
	if err := Probe(context.Background(), State{Port: port, Token: "tok-abcdefghijklmnop"}); err != nil {
		t.Fatalf("our own server: %v", err)
	}
	if err := Probe(context.Background(), State{Port: port, Token: "another-token-xyz"}); !errors.Is(err, ErrNotOurs) {
		t.Fatalf("another token: %v", err)
	}
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"Code":"RamssoProbe","Proof":"00"}`))
	}))
	defer other.Close()
	if err := Probe(context.Background(), State{Port: portOf(t, strings.TrimPrefix(other.URL, "http://")), Token: "t"}); !errors.Is(err, ErrNotOurs) {
		t.Fatalf("a squatter replaying the shape: %v", err)
	}
}

func portOf(t *testing.T, hostport string) int {
	t.Helper()
	p, err := strconv.Atoi(hostport[strings.LastIndex(hostport, ":")+1:])
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSystemdQuote(t *testing.T) {
	if got := SystemdQuote(`/opt/my "ram"sso/100%/$HOME\x`); got != `"/opt/my \"ram\"sso/100%%/$$HOME\\x"` {
		t.Fatalf("%s", got)
	}
}
