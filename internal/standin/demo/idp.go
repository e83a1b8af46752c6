package demo

import (
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/ramsso/ramsso/internal/standin/testidp"
)

// IdPServer is the test IdP's login page on 127.0.0.1 (plain HTTP, as an
// IdP's own page does not matter to ramsso). GET /login renders a form that
// POSTs a freshly signed SAMLResponse to Alibaba's SSO endpoint.
//
// Query parameters of /login:
//
//	role     a Role attribute value "roleArn,providerArn" (repeatable)
//	roles    several values separated by ";" or whitespace
//	style    testidp style (default okta)
//	site     china (default) or international
//	age      how long ago the assertion was issued (Go duration, e.g. 1h:
//	         an expired assertion)
//	lifetime how long it is valid (default 5m)
//	relay    RelayState to send along
//	auto     1: submit on load (default); 0: show a "Sign in as" button
//	delay    with auto=1, wait this long first (Go duration)
type IdPServer struct {
	// IdP signs the responses.
	IdP *testidp.IdP
	// Roles are used when /login names none.
	Roles []string
	// Subject is the user shown and asserted (default alice@example.com).
	Subject string

	srv *httptest.Server

	mu     sync.Mutex
	issued []Issued
}

// Issued is one SAMLResponse the login page handed out.
type Issued struct {
	RelayState   string
	SAMLResponse string
}

// NewIdPServer starts the login page server for idp on 127.0.0.1.
func NewIdPServer(idp *testidp.IdP, roles []string) (*IdPServer, error) {
	s := &IdPServer{IdP: idp, Roles: roles, Subject: "alice@example.com"}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the test IdP: %w", err)
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Listener.Close()
	s.srv.Listener = l
	s.srv.Start()
	return s, nil
}

// URL is the server's base URL (http://127.0.0.1:PORT).
func (s *IdPServer) URL() string { return s.srv.URL }

// LoginURL is the login page for the given query (already encoded, e.g.
// from url.Values.Encode()); "" uses the defaults.
func (s *IdPServer) LoginURL(query string) string {
	if query == "" {
		return s.srv.URL + "/login"
	}
	return s.srv.URL + "/login?" + query
}

// Close stops the server.
func (s *IdPServer) Close() { s.srv.Close() }

// Issued returns every SAMLResponse the page handed out, oldest first.
func (s *IdPServer) Issued() []Issued {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Issued(nil), s.issued...)
}

func (s *IdPServer) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if r.URL.Path != "/login" {
		http.Redirect(w, r, "/login", http.StatusFound)
		return
	}
	q := r.URL.Query()
	roles := append([]string(nil), q["role"]...)
	roles = append(roles, strings.FieldsFunc(q.Get("roles"), func(c rune) bool { return c == ';' || c == ' ' || c == '\n' })...)
	if len(roles) == 0 {
		roles = s.Roles
	}
	if len(roles) == 0 {
		http.Error(w, "no roles: give ?role=roleArn,providerArn", http.StatusBadRequest)
		return
	}
	o := testidp.Options{Style: testidp.StyleOkta, Roles: roles, Subject: s.Subject, Site: q.Get("site")}
	if st := q.Get("style"); st != "" {
		o.Style = testidp.Style(st)
	}
	now := time.Now()
	if a := q.Get("age"); a != "" {
		d, err := time.ParseDuration(a)
		if err != nil {
			http.Error(w, "bad age", http.StatusBadRequest)
			return
		}
		now = now.Add(-d)
	}
	o.Now = now
	if l := q.Get("lifetime"); l != "" {
		d, err := time.ParseDuration(l)
		if err != nil {
			http.Error(w, "bad lifetime", http.StatusBadRequest)
			return
		}
		o.Lifetime = d
	}
	delay := time.Duration(0)
	if d := q.Get("delay"); d != "" {
		v, err := time.ParseDuration(d)
		if err != nil {
			http.Error(w, "bad delay", http.StatusBadRequest)
			return
		}
		delay = v
	}
	b64, err := s.IdP.Response(o)
	if err != nil {
		http.Error(w, "signing failed", http.StatusInternalServerError)
		return
	}
	s.mu.Lock()
	s.issued = append(s.issued, Issued{RelayState: q.Get("relay"), SAMLResponse: b64})
	s.mu.Unlock()
	action := testidp.SSOURLChina
	if o.Site == "international" {
		action = testidp.SSOURLInternational
	}
	page(w, http.StatusOK, loginPage, map[string]any{
		"Action":  action,
		"SAML":    b64,
		"Relay":   q.Get("relay"),
		"Subject": s.Subject,
		"Issuer":  s.IdP.Issuer,
		"Roles":   roles,
		"Auto":    q.Get("auto") != "0",
		// frame=1 posts into a hidden iframe, as a hostile page would.
		"Frame":   q.Get("frame") == "1",
		"DelayMS": delay.Milliseconds(),
	})
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test IdP · sign in</title>` + style + `</head><body>
<h1>Test identity provider</h1>
<p>This page stands in for your company's IdP (Okta, Entra ID, AD FS…). It will sign in
<strong>{{.Subject}}</strong> to Alibaba Cloud with a signed SAMLResponse that allows {{len .Roles}} RAM role(s).</p>
{{if .Frame}}<iframe name="sink" title="sink" style="width:1px;height:1px;border:0"></iframe>{{end}}
<form id="sso" method="post" action="{{.Action}}"{{if .Frame}} target="sink"{{end}}>
<input type="hidden" name="SAMLResponse" value="{{.SAML}}">
{{if .Relay}}<input type="hidden" name="RelayState" value="{{.Relay}}">{{end}}
<button type="submit" class="primary" id="signin">Sign in as {{.Subject}}</button>
</form>
<p class="muted">Issuer <code>{{.Issuer}}</code></p>
{{if .Auto}}<script>setTimeout(() => document.getElementById('sso').submit(), {{.DelayMS}});</script>{{end}}
</body></html>`))
