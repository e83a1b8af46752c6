package demo

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/standin/emulator"
	"github.com/ramsso/ramsso/internal/standin/testidp"
)

func TestExtensionIDMatchesPinnedID(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "extension", "build", "chrome")
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err != nil {
		// The src manifest carries no key; compute from a manifest we write
		// with the pinned key instead.
		t.Skip("extension not built (make -C extension build)")
	}
	got, err := ExtensionID(dir)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "..", "extension", "EXTENSION_ID"))
	if err != nil {
		t.Fatal(err)
	}
	if got != strings.TrimSpace(string(want)) {
		t.Fatalf("ExtensionID = %s, extension/EXTENSION_ID = %s", got, want)
	}
}

func TestExtensionIDErrors(t *testing.T) {
	for _, tc := range []struct {
		name, manifest, want string
	}{
		{"no manifest", "", "reading the extension manifest"},
		{"not json", "{", "parsing"},
		{"no key", `{"name":"x"}`, "no pinned key"},
		{"bad key", `{"key":"%%%"}`, "decoding the manifest key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.manifest != "" {
				if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(tc.manifest), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := ExtensionID(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ExtensionID error = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		f    Flag
		want string
	}{
		{Flag{"no-sandbox", true}, "--no-sandbox"},
		{Flag{"headless", "new"}, "--headless=new"},
		{Flag{"host-resolver-rules", "MAP a b, MAP c d"}, "--host-resolver-rules=MAP a b, MAP c d"},
	} {
		if got := tc.f.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.f, got, tc.want)
		}
	}
	flags := ChromiumFlags(BrowserOptions{UserDataDir: "/p", ExtensionDir: "/e", ResolverRules: "MAP x y", Headless: true})
	seen := map[string]any{}
	for _, f := range flags {
		seen[f.Name] = f.Value
	}
	for name, want := range map[string]any{
		"headless": "new", "user-data-dir": "/p", "load-extension": "/e",
		"disable-extensions-except": "/e", "host-resolver-rules": "MAP x y",
		"ignore-certificate-errors": true, "no-sandbox": true,
	} {
		if seen[name] != want {
			t.Errorf("flag %s = %v, want %v", name, seen[name], want)
		}
	}
	if _, ok := seen["disable-extensions"]; ok {
		t.Error("ChromiumFlags disables extensions")
	}
	if visible := ChromiumFlags(BrowserOptions{}); visible[0].Name == "headless" {
		t.Error("a visible run has --headless")
	}
}

func TestHostManifestAndWrapper(t *testing.T) {
	dir := t.TempDir()
	wrapper, err := WriteHostWrapper(dir, "/opt/it's/ramsso-host", "/home/x/ramsso home", true)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(wrapper)
	for _, want := range []string{"unset DISPLAY", `RAMSSO_HOME='/home/x/ramsso home'`, `exec '/opt/it'\''s/ramsso-host' "$@"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("wrapper lacks %q:\n%s", want, b)
		}
	}
	p, err := WriteHostManifest(filepath.Join(dir, "profile"), wrapper, "abcdefghijklmnopabcdefghijklmnop")
	if err != nil {
		t.Fatal(err)
	}
	if p != filepath.Join(dir, "profile", "NativeMessagingHosts", "com.ramsso.host.json") {
		t.Errorf("manifest path %s", p)
	}
	var m struct {
		Name, Path, Type string
		AllowedOrigins   []string `json:"allowed_origins"`
	}
	b, _ = os.ReadFile(p)
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.Name != HostName || m.Path != wrapper || m.Type != "stdio" ||
		len(m.AllowedOrigins) != 1 || m.AllowedOrigins[0] != "chrome-extension://abcdefghijklmnopabcdefghijklmnop/" {
		t.Errorf("manifest = %+v", m)
	}
}

// client reaches the stand-in as Chromium does with --host-resolver-rules
// and --ignore-certificate-errors.
func client(addr string) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // the stand-in's self-signed cert
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, addr)
			},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func TestSigninStandIn(t *testing.T) {
	idp, err := testidp.New("https://idp.example.com/demo-test")
	if err != nil {
		t.Fatal(err)
	}
	one, err := idp.Response(testidp.Options{Roles: DemoRoles()[:1]})
	if err != nil {
		t.Fatal(err)
	}
	several, err := idp.Response(testidp.Options{Roles: DemoRoles()})
	if err != nil {
		t.Fatal(err)
	}
	s := NewSignin()
	defer s.Close()
	if want := "MAP signin.aliyun.com " + s.Addr(); !strings.HasPrefix(s.ResolverRules(), want) || !strings.Contains(s.ResolverRules(), "MAP *.aliyun.com "+s.Addr()) {
		t.Errorf("ResolverRules = %q", s.ResolverRules())
	}
	c := client(s.Addr())
	post := func(u, body string) (int, string) {
		t.Helper()
		resp, err := c.Post(u, "application/x-www-form-urlencoded", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	body := "SAMLResponse=" + url.QueryEscape(one) + "&RelayState=r1"
	code, page := post(testidp.SSOURLChina, body)
	if code != 200 || !strings.Contains(page, `id="signed-in"`) || !strings.Contains(page, "role/admin") {
		t.Errorf("one role: %d, no signed-in page for admin", code)
	}
	s.SetChoice("acs:ram::" + emulator.DemoOtherAccount + ":role/dev")
	code, page = post(testidp.SSOURLInternational, "SAMLResponse="+url.QueryEscape(several))
	if code != 200 || strings.Count(page, "<form") != 3 || strings.Count(page, `data-auto="1"`) != 1 ||
		!strings.Contains(page, `data-role="acs:ram::`+emulator.DemoOtherAccount+`:role/dev" data-auto="1"`) ||
		!strings.Contains(page, `action="https://signin.alibabacloud.com/entrance?Action=V2AssumeRoleWithSaml"`) {
		t.Errorf("chooser page: %d, %d forms, %d auto", code, strings.Count(page, "<form"), strings.Count(page, `data-auto="1"`))
	}
	rp, _ := json.Marshal(RequestParams{SAMLResponse: several, TargetRoleAndProvider: DemoRoles()[2]})
	code, page = post("https://signin.aliyun.com/entrance?Action=V2AssumeRoleWithSaml", "RequestParams="+url.QueryEscape(string(rp)))
	if code != 200 || !strings.Contains(page, "role/dev") {
		t.Errorf("entrance: %d, no signed-in page for dev", code)
	}
	if code, _ := post("https://signin.aliyun.com/saml-role/sso", "SAMLResponse=bm90IHNhbWw="); code != http.StatusBadRequest {
		t.Errorf("garbage SAMLResponse answered %d", code)
	}

	posts := s.Posts()
	if len(posts) != 4 {
		t.Fatalf("recorded %d POSTs, want 4", len(posts))
	}
	if string(posts[0].Body) != body || posts[0].Host != HostChina || posts[0].Path != "/saml-role/sso" || posts[0].SAMLResponse() != one {
		t.Errorf("first POST not recorded untouched (host %q, path %q, %d bytes)", posts[0].Host, posts[0].Path, len(posts[0].Body))
	}
	if posts[1].Host != HostInternational {
		t.Errorf("second POST host %q", posts[1].Host)
	}
	if got, err := posts[2].RequestParams(); err != nil || got.TargetRoleAndProvider != DemoRoles()[2] || posts[2].SAMLResponse() != several {
		t.Errorf("entrance POST: target %q, err %v", got.TargetRoleAndProvider, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.WaitPost(ctx, func(p Post) bool { return p.Path == "/nowhere" }); err == nil {
		t.Error("WaitPost found a POST that never came")
	}
}

func TestIdPLoginPage(t *testing.T) {
	idp, err := testidp.New("https://idp.example.com/demo-test")
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewIdPServer(idp, DemoRoles())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	get := func(q string) (int, string) {
		t.Helper()
		resp, err := http.Get(s.LoginURL(q))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	now := time.Now()
	for _, tc := range []struct {
		name, query string
		roles       int
		expired     bool
		action      string
		auto        bool
	}{
		{"defaults", "", 3, false, testidp.SSOURLChina, true},
		{"one role", url.Values{"role": {DemoRoles()[1]}, "relay": {"x"}}.Encode(), 1, false, testidp.SSOURLChina, true},
		{"roles list", url.Values{"roles": {DemoRoles()[0] + ";" + DemoRoles()[2]}}.Encode(), 2, false, testidp.SSOURLChina, true},
		{"expired", "age=1h&auto=0", 3, true, testidp.SSOURLChina, false},
		{"international", "site=international&style=keycloak", 3, false, testidp.SSOURLInternational, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, page := get(tc.query)
			if code != 200 {
				t.Fatalf("login page answered %d", code)
			}
			issued := s.Issued()
			last := issued[len(issued)-1]
			resp, err := saml.Decode([]byte(last.SAMLResponse))
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.Roles) != tc.roles || resp.Expired(now) != tc.expired || resp.Issuer != idp.Issuer {
				t.Errorf("issued %d roles, expired %v, issuer %s", len(resp.Roles), resp.Expired(now), resp.Issuer)
			}
			if !strings.Contains(page, `action="`+tc.action+`"`) || !strings.Contains(page, `value="`+strings.ReplaceAll(last.SAMLResponse, "+", "&#43;")+`"`) {
				t.Errorf("the form does not post the issued response to %s", tc.action)
			}
			if strings.Contains(page, ".submit()") != tc.auto {
				t.Errorf("auto-submit = %v, want %v", !tc.auto, tc.auto)
			}
		})
	}
	if code, _ := get("age=soon"); code != http.StatusBadRequest {
		t.Errorf("bad age answered %d", code)
	}
}
