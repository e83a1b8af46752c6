package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ramsso/ramsso/internal/saml"
)

// Sign-in hosts the stand-in answers for. Chromium is pointed at it with
// ResolverRules; every other host resolves as usual (and a test profile
// never reaches the network because nothing else is requested).
const (
	HostChina         = "signin.aliyun.com"
	HostInternational = "signin.alibabacloud.com"
)

// ConsoleChoiceAction is the Action of the console chooser's POST.
const ConsoleChoiceAction = "V2AssumeRoleWithSaml"

// maxBody caps what the stand-in reads from one POST.
const maxBody = 1 << 20

// Post is one POST the sign-in stand-in received, exactly as it arrived.
type Post struct {
	Host     string     // the Host header (signin.aliyun.com, ...)
	Path     string     // /saml-role/sso or /entrance
	RawQuery string     // e.g. Action=V2AssumeRoleWithSaml
	Body     []byte     // the raw form body
	Form     url.Values // Body parsed as a URL-encoded form
	Time     time.Time
}

// SAMLResponse is the SAMLResponse the POST carried: the form field of a
// /saml-role/sso POST, or the one inside RequestParams of an entrance POST.
func (p Post) SAMLResponse() string {
	if v := p.Form.Get("SAMLResponse"); v != "" {
		return v
	}
	rp, _ := p.RequestParams()
	return rp.SAMLResponse
}

// RequestParams is the JSON an entrance POST carries in RequestParams.
type RequestParams struct {
	SAMLResponse          string `json:"SAMLResponse"`
	TargetRoleAndProvider string `json:"TargetRoleAndProvider"`
}

// RequestParams decodes the RequestParams field of an entrance POST.
func (p Post) RequestParams() (RequestParams, error) {
	var rp RequestParams
	if err := json.Unmarshal([]byte(p.Form.Get("RequestParams")), &rp); err != nil {
		return rp, fmt.Errorf("decoding RequestParams: %w", err)
	}
	return rp, nil
}

// Signin is a local TLS server standing in for signin.aliyun.com and
// signin.alibabacloud.com. It records every POST untouched, answers a
// one-role assertion with a pretend console page and a several-role one
// with a chooser that POSTs to /entrance?Action=V2AssumeRoleWithSaml, as
// Alibaba's console does.
type Signin struct {
	srv *httptest.Server

	mu     sync.Mutex
	posts  []Post
	choice string // role ARN the chooser submits by itself; "" waits for a click
	notify chan struct{}
	retry  *retry
}

// retry makes the pretend console send the browser back to the IdP when
// ramsso has not captured the sign-in in time (the demo's safety net for a
// POST that raced the extension's first start in a fresh profile).
type retry struct {
	url      string
	after    time.Duration
	captured func() bool
}

// SetRetry makes the pretend console page go to loginURL again when
// captured still reports false after the given time. Tests leave it off.
func (s *Signin) SetRetry(loginURL string, after time.Duration, captured func() bool) {
	s.mu.Lock()
	s.retry = &retry{url: loginURL, after: after, captured: captured}
	s.mu.Unlock()
}

// retryScript is the pretend console's polling script, or "".
func (s *Signin) retryScript() template.JS {
	s.mu.Lock()
	r := s.retry
	s.mu.Unlock()
	if r == nil {
		return ""
	}
	u, _ := json.Marshal(r.url)
	return template.JS(fmt.Sprintf(`const until = Date.now() + %d;
const poll = async () => {
  const r = await fetch('/__demo/captured', {cache: 'no-store'}).then((x) => x.json()).catch(() => ({}));
  if (r.captured) { document.getElementById('capture').textContent = 'ramsso captured this sign-in.'; return; }
  if (Date.now() > until) { location.href = %s; return; }
  setTimeout(poll, 500);
};
poll();`, r.after.Milliseconds(), u))
}

// NewSignin starts the stand-in on 127.0.0.1 with a self-signed
// certificate (Chromium runs with --ignore-certificate-errors).
func NewSignin() *Signin {
	s := &Signin{notify: make(chan struct{})}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Listener.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("demo: listening on 127.0.0.1: %v", err))
	}
	s.srv.Listener = l
	s.srv.StartTLS()
	return s
}

// Addr is the stand-in's 127.0.0.1:PORT.
func (s *Signin) Addr() string { return s.srv.Listener.Addr().String() }

// Close stops the server.
func (s *Signin) Close() { s.srv.Close() }

// ResolverRules is Chromium's --host-resolver-rules value that sends both
// sign-in hosts and every *.aliyun.com / *.alibabacloud.com host (the
// console chooser's entrance) to the stand-in.
func (s *Signin) ResolverRules() string {
	a := s.Addr()
	return strings.Join([]string{
		"MAP " + HostChina + " " + a,
		"MAP " + HostInternational + " " + a,
		"MAP *.aliyun.com " + a,
		"MAP *.alibabacloud.com " + a,
	}, ", ")
}

// SetChoice makes the console chooser submit roleArn by itself as soon as
// it loads (what a person clicking in the console would do); "" leaves
// the chooser waiting for a click.
func (s *Signin) SetChoice(roleArn string) {
	s.mu.Lock()
	s.choice = roleArn
	s.mu.Unlock()
}

// Posts returns the POSTs received so far, oldest first.
func (s *Signin) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Post(nil), s.posts...)
}

// WaitPost waits until a POST matching match has arrived and returns it.
func (s *Signin) WaitPost(ctx context.Context, match func(Post) bool) (Post, error) {
	for {
		s.mu.Lock()
		for _, p := range s.posts {
			if match(p) {
				s.mu.Unlock()
				return p, nil
			}
		}
		ch := s.notify
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Post{}, fmt.Errorf("waiting for a sign-in POST: %w", ctx.Err())
		}
	}
}

func (s *Signin) record(p Post) {
	s.mu.Lock()
	s.posts = append(s.posts, p)
	close(s.notify)
	s.notify = make(chan struct{})
	s.mu.Unlock()
}

func (s *Signin) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method == http.MethodGet && r.URL.Path == "/__demo/captured" {
		s.mu.Lock()
		rt := s.retry
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"captured":%v}`, rt != nil && rt.captured())
		return
	}
	if r.Method != http.MethodPost {
		page(w, http.StatusOK, consolePage, map[string]any{"Title": "Alibaba Cloud console (stand-in)", "Role": ""})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		http.Error(w, "reading the body failed", http.StatusBadRequest)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "not a form", http.StatusBadRequest)
		return
	}
	p := Post{Host: hostOnly(r.Host), Path: r.URL.Path, RawQuery: r.URL.RawQuery, Body: body, Form: form, Time: time.Now()}
	s.record(p)
	switch {
	case r.URL.Path == "/saml-role/sso":
		s.sso(w, p)
	case r.URL.Path == "/entrance" && r.URL.Query().Get("Action") == ConsoleChoiceAction:
		rp, err := p.RequestParams()
		role := ""
		if err == nil {
			if sr, perr := saml.ParseRole(rp.TargetRoleAndProvider); perr == nil {
				role = sr.RoleArn
			}
		}
		page(w, http.StatusOK, consolePage, map[string]any{"Title": "Alibaba Cloud console (stand-in)", "Role": role, "Retry": s.retryScript()})
	default:
		http.Error(w, "the stand-in knows only /saml-role/sso and /entrance", http.StatusNotFound)
	}
}

// sso answers the SAML POST like the console: signed in for one role, a
// chooser for several.
func (s *Signin) sso(w http.ResponseWriter, p Post) {
	b64 := p.Form.Get("SAMLResponse")
	resp, err := saml.Decode([]byte(b64))
	if err != nil {
		page(w, http.StatusBadRequest, errorPage, map[string]any{"Message": "The sign-in stand-in could not read the SAMLResponse."})
		return
	}
	if len(resp.Roles) == 1 {
		page(w, http.StatusOK, consolePage, map[string]any{"Title": "Alibaba Cloud console (stand-in)", "Role": resp.Roles[0].RoleArn, "Retry": s.retryScript()})
		return
	}
	s.mu.Lock()
	choice := s.choice
	s.mu.Unlock()
	type option struct {
		Label, RoleArn, Params string
		Auto                   bool
	}
	var opts []option
	for _, r := range resp.Roles {
		params, err := json.Marshal(RequestParams{SAMLResponse: b64, TargetRoleAndProvider: r.RoleArn + "," + r.ProviderArn})
		if err != nil {
			http.Error(w, "encoding RequestParams failed", http.StatusInternalServerError)
			return
		}
		opts = append(opts, option{Label: r.AccountID + " / " + r.RoleName, RoleArn: r.RoleArn, Params: string(params), Auto: r.RoleArn == choice})
	}
	page(w, http.StatusOK, chooserPage, map[string]any{
		"Action": "https://" + p.Host + "/entrance?Action=" + ConsoleChoiceAction,
		"Roles":  opts,
	})
}

func hostOnly(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		return host
	}
	return h
}

func page(w http.ResponseWriter, status int, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		http.Error(w, "rendering the page failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

const style = `<style>body{font:15px/1.45 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#222}
h1{font-size:1.3rem}button{font:inherit;padding:.45rem .9rem;margin:.2rem 0;border-radius:6px;border:1px solid #888;background:#f4f4f4;cursor:pointer}
button.primary{background:#ff6a00;border-color:#e65c00;color:#fff}.muted{color:#666}code{background:#f1f1f1;padding:0 .2rem}</style>`

var consolePage = template.Must(template.New("console").Parse(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>` + style + `</head><body>
<h1>{{.Title}}</h1>
{{if .Role}}<p id="signed-in">Signed in as <code>{{.Role}}</code>.</p>{{else}}<p>Nothing to see here.</p>{{end}}
<p class="muted">This page stands in for the Alibaba Cloud console; ramsso only watched the sign-in go by.</p>
<p id="capture" class="muted"></p>
{{if .Retry}}<script>{{.Retry}}</script>{{end}}
</body></html>`))

var chooserPage = template.Must(template.New("chooser").Parse(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Choose a role (stand-in)</title>` + style + `</head><body>
<h1>Choose a RAM role</h1>
<p class="muted">Your identity provider allows several roles. (This page stands in for the Alibaba Cloud console's chooser.)</p>
{{range .Roles}}<form method="post" action="{{$.Action}}" data-role="{{.RoleArn}}"{{if .Auto}} data-auto="1"{{end}}>
<input type="hidden" name="RequestParams" value="{{.Params}}">
<button type="submit" class="role">{{.Label}}</button>
</form>
{{end}}<script>const f = document.querySelector('form[data-auto]'); if (f) f.submit();</script>
</body></html>`))

var errorPage = template.Must(template.New("error").Parse(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in failed (stand-in)</title>` + style + `</head><body>
<h1>Sign-in failed</h1><p>{{.Message}}</p></body></html>`))
