package emulator_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/standin/emulator"
	"github.com/ramsso/ramsso/internal/standin/testidp"
)

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("idp.crt", string(idpMain.CertPEM()))
	write("md.xml", string(idpMain.Metadata()))
	tests := []struct {
		name, json, wantErr string
	}{
		{"certificate file", `{"providers":[{"arn":"` + provider + `","certificateFile":"idp.crt"}],"roles":[{"arn":"` + roleAdmin + `"}],"clockSkew":"90s"}`, ""},
		{"metadata file", `{"providers":[{"arn":"` + provider + `","metadataFile":"md.xml"}],"roles":[{"arn":"` + roleAdmin + `","maxSessionDuration":43200}],"site":"china","rejectReplay":true}`, ""},
		{"skew in seconds", `{"providers":[{"arn":"` + provider + `","certificateFile":"idp.crt"}],"roles":[{"arn":"` + roleAdmin + `"}],"clockSkew":30}`, ""},
		{"unknown field", `{"providers":[],"role":[]}`, "unknown field"},
		{"no providers", `{"roles":[{"arn":"` + roleAdmin + `"}]}`, "no providers"},
		{"bad provider arn", `{"providers":[{"arn":"okta","certificateFile":"idp.crt"}],"roles":[{"arn":"` + roleAdmin + `"}]}`, "saml-provider"},
		{"two certificate sources", `{"providers":[{"arn":"` + provider + `","certificateFile":"idp.crt","metadataFile":"md.xml"}],"roles":[{"arn":"` + roleAdmin + `"}]}`, "exactly one"},
		{"missing certificate file", `{"providers":[{"arn":"` + provider + `","certificateFile":"nope.crt"}],"roles":[{"arn":"` + roleAdmin + `"}]}`, "nope.crt"},
		{"garbage certificate", `{"providers":[{"arn":"` + provider + `","certificate":"hello"}],"roles":[{"arn":"` + roleAdmin + `"}]}`, "neither PEM"},
		{"no roles", `{"providers":[{"arn":"` + provider + `","certificateFile":"idp.crt"}]}`, "no roles"},
		{"bad role arn", `{"providers":[{"arn":"` + provider + `","certificateFile":"idp.crt"}],"roles":[{"arn":"admin"}]}`, "role/<name>"},
		{"max duration too high", `{"providers":[{"arn":"` + provider + `","certificateFile":"idp.crt"}],"roles":[{"arn":"` + roleAdmin + `","maxSessionDuration":50000}]}`, "3600 to 43200"},
		{"bad site", `{"providers":[{"arn":"` + provider + `","certificateFile":"idp.crt"}],"roles":[{"arn":"` + roleAdmin + `"}],"site":"mars"}`, "site"},
		{"bad skew", `{"providers":[{"arn":"` + provider + `","certificateFile":"idp.crt"}],"roles":[{"arn":"` + roleAdmin + `"}],"clockSkew":"soon"}`, "duration"},
		{"not JSON", `providers: []`, "invalid character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := write("cfg.json", tt.json)
			cfg, err := emulator.LoadConfig(p)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := emulator.New(cfg); err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
	if _, err := emulator.LoadConfig(filepath.Join(dir, "absent.json")); err == nil {
		t.Error("absent file accepted")
	}
}

// TestMetadataProviderChecksIssuer: a provider configured from metadata
// knows the IdP's entityID, and an assertion from another issuer with the
// same key is refused.
func TestMetadataProviderChecksIssuer(t *testing.T) {
	dir := t.TempDir()
	md := filepath.Join(dir, "md.xml")
	if err := os.WriteFile(md, idpMain.Metadata(), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *emulator.Config) { c.Providers[0] = emulator.Provider{Arn: provider, MetadataFile: md} })
	if a := e.post(form(e.response(testidp.Options{}), roleAdmin, provider)); a.status != 200 {
		t.Fatalf("%d %s", a.status, a.raw)
	}
	other, err := testidp.Load(idpMain.KeyPEM(), idpMain.CertPEM(), "https://other.example.com")
	if err != nil {
		t.Fatal(err)
	}
	b64, err := other.Response(testidp.Options{Roles: defaultRoles, SessionName: "alice", Now: e.now})
	if err != nil {
		t.Fatal(err)
	}
	if a := e.post(form(b64, roleAdmin, provider)); a.status != 401 {
		t.Fatalf("other issuer: %d %s", a.status, a.raw)
	}
}

func TestInitDemoAndRun(t *testing.T) {
	dir := t.TempDir()
	cfg, idp, err := emulator.InitDemo(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{emulator.DemoKeyFile, emulator.DemoCertFile, emulator.DemoMetadataFile, emulator.DemoConfigFile, emulator.DemoResponseFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if st, err := os.Stat(filepath.Join(dir, emulator.DemoKeyFile)); err == nil && st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", st.Mode().Perm())
	}
	// A second run keeps the key (same trust) and refreshes the response.
	cfg2, idp2, err := emulator.InitDemo(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(idp.CertPEM(), idp2.CertPEM()) {
		t.Error("InitDemo replaced an existing key")
	}
	if len(cfg.Roles) != 3 || len(cfg2.Providers) != 2 {
		t.Errorf("demo config: %d roles, %d providers", len(cfg.Roles), len(cfg2.Providers))
	}
	b64, err := os.ReadFile(filepath.Join(dir, emulator.DemoResponseFile))
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var log syncBuffer
	done := make(chan error, 1)
	go func() { done <- emulator.Run(ctx, "127.0.0.1:0", cfg, &log) }()
	var base string
	for i := 0; i < 200 && base == ""; i++ {
		time.Sleep(10 * time.Millisecond)
		if s := log.String(); strings.Contains(s, "listening on ") {
			base = strings.Fields(strings.SplitN(s, "listening on ", 2)[1])[0]
		}
	}
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		cancel()
		t.Fatalf("no listen URL in %q", log.String())
	}
	// the federation sign-in emulator shares the listener: a forged token is refused
	if resp, err := http.Get(base + "/federation?Action=Login&SigninToken=forged&Destination=https%3A%2F%2Fhome.console.aliyun.com%2F"); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("federation Login with a forged token: HTTP %d, want 401", resp.StatusCode)
		}
	}
	e := &env{t: t, url: base}
	for _, r := range []struct{ role, prov, dur string }{
		{"acs:ram::" + emulator.DemoAccount + ":role/admin", "acs:ram::" + emulator.DemoAccount + ":saml-provider/demo-idp", "43200"},
		{"acs:ram::" + emulator.DemoAccount + ":role/readonly", "acs:ram::" + emulator.DemoAccount + ":saml-provider/demo-idp", ""},
		{"acs:ram::" + emulator.DemoOtherAccount + ":role/dev", "acs:ram::" + emulator.DemoOtherAccount + ":saml-provider/demo-idp", ""},
	} {
		f := form(strings.TrimSpace(string(b64)), r.role, r.prov)
		if r.dur != "" {
			f.Set("DurationSeconds", r.dur)
		}
		if a := e.post(f); a.status != 200 {
			t.Errorf("%s: %d %s", r.role, a.status, a.raw)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	out := log.String()
	secret := strings.TrimSpace(string(b64))
	if strings.Contains(out, secret[:40]) || strings.Contains(out, "CAIS") || strings.Contains(out, "AccessKeySecret") {
		t.Errorf("log carries secrets: %s", out)
	}
	if strings.Count(out, "-> 200") != 3 {
		t.Errorf("log lines: %s", out)
	}
}

func TestListenLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:0", ":0x", "example.com:80"} {
		if ln, err := emulator.Listen(addr); err == nil {
			ln.Close()
			t.Errorf("Listen(%q) accepted", addr)
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:0", ":0"} {
		ln, err := emulator.Listen(addr)
		if err != nil {
			t.Errorf("Listen(%q): %v", addr, err)
			continue
		}
		if u, _ := url.Parse("http://" + ln.Addr().String()); u.Hostname() != "127.0.0.1" {
			t.Errorf("Listen(%q) bound %s", addr, ln.Addr())
		}
		ln.Close()
	}
}
