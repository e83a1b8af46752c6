package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/standin/emulator"
	"github.com/ramsso/ramsso/internal/standin/testidp"
)

// TestMain lets tests run this test binary as the ramsso command itself
// (for credentials-go's External mode and process-level tests).
func TestMain(m *testing.M) {
	if os.Getenv("RAMSSO_CLI_TEST_MAIN") == "1" {
		os.Exit(Main(context.Background(), NewApp(), os.Args[1:]))
	}
	if port := os.Getenv("RAMSSO_CLI_TEST_BIND"); port != "" {
		os.Exit(bindChild(port))
	}
	if os.Getenv("RAMSSO_CLI_TEST_SDK") == "1" {
		os.Exit(sdkChild())
	}
	if os.Getenv("RAMSSO_CLI_TEST_ASUSER") == "1" {
		// Run as another user by TestUnwritableHome: report, exit 0.
		var args []string
		_ = json.Unmarshal([]byte(os.Getenv("RAMSSO_CLI_TEST_ARGS")), &args)
		app := NewApp()
		var errb bytes.Buffer
		app.Stderr = &errb
		code := Main(context.Background(), app, args)
		out, _ := json.Marshal(map[string]any{"code": code, "stderr": errb.String()})
		os.Stdout.Write(out)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const (
	acct1    = "1234567890123456"
	acct2    = "2222222222222222"
	provider = "acs:ram::" + acct1 + ":saml-provider/okta"
)

var (
	roleAdmin    = "acs:ram::" + acct1 + ":role/admin"
	roleReadonly = "acs:ram::" + acct1 + ":role/readonly"
	roleDev      = "acs:ram::" + acct2 + ":role/dev"
	provider2    = "acs:ram::" + acct2 + ":saml-provider/okta"
)

// world is one test's ramsso home, IdP and STS emulator.
type world struct {
	t       testing.TB
	home    string
	env     map[string]string
	idp     *testidp.IdP
	emu     *emulator.Server
	stsURL  string
	tty     string // what the fake terminal types; "" means no terminal
	stdin   string
	workdir string
}

func newWorld(t testing.TB) *world {
	t.Helper()
	return newWorldWith(t, nil)
}

// newWorldWith is newWorld with the emulator's configuration changed by mod.
func newWorldWith(t testing.TB, mod func(*emulator.Config)) *world {
	t.Helper()
	dir := t.TempDir()
	idp, err := testidp.New("https://idp.example.com/app/ramsso")
	if err != nil {
		t.Fatal(err)
	}
	cfg := emulator.Config{
		Providers: []emulator.Provider{
			{Arn: provider, Certificate: string(idp.CertPEM())},
			{Arn: provider2, Certificate: string(idp.CertPEM())},
		},
		Roles: []emulator.Role{
			{Arn: roleAdmin, MaxSessionDuration: 43200},
			{Arn: roleReadonly, MaxSessionDuration: 3600},
			{Arn: roleDev, MaxSessionDuration: 7200},
		},
	}
	if mod != nil {
		mod(&cfg)
	}
	emu, err := emulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	home := filepath.Join(dir, "home")
	return &world{
		t: t, home: home, idp: idp, emu: emu, stsURL: srv.URL, workdir: dir,
		env: map[string]string{
			"RAMSSO_HOME":         home,
			"RAMSSO_STORE":        "file",
			"RAMSSO_STS_ENDPOINT": srv.URL,
			"HOME":                dir,
		},
	}
}

// response writes a signed response with the given role values to a file.
func (w *world) response(o testidp.Options) string {
	w.t.Helper()
	if o.Style == "" {
		o.Style = testidp.StyleOkta
	}
	b64, err := w.idp.Response(o)
	if err != nil {
		w.t.Fatal(err)
	}
	f, err := os.CreateTemp(w.workdir, "resp-*.b64")
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := f.WriteString(b64 + "\n"); err != nil {
		w.t.Fatal(err)
	}
	f.Close()
	return f.Name()
}

func (w *world) roles(values ...string) testidp.Options {
	return testidp.Options{Roles: values}
}

type result struct {
	stdout, stderr string
	code           int
}

func (w *world) run(args ...string) result {
	w.t.Helper()
	return w.runCtx(context.Background(), args...)
}

// runCtx runs the CLI in-process under ctx, with the world's stdin,
// environment and terminal.
func (w *world) runCtx(ctx context.Context, args ...string) result {
	w.t.Helper()
	var out, errb bytes.Buffer
	app := &App{
		Stdin:  strings.NewReader(w.stdin),
		Stdout: &out,
		Stderr: &errb,
		Getenv: func(k string) string { return w.env[k] },
		Now:    time.Now,
		OpenTTY: func() (io.ReadWriteCloser, error) {
			if w.tty == "" {
				return nil, os.ErrNotExist
			}
			return &fakeTTY{in: strings.NewReader(w.tty), out: &errb}, nil
		},
	}
	code := Main(ctx, app, args)
	return result{out.String(), errb.String(), code}
}

type fakeTTY struct {
	in  io.Reader
	out io.Writer
}

func (f *fakeTTY) Read(p []byte) (int, error)  { return f.in.Read(p) }
func (f *fakeTTY) Write(p []byte) (int, error) { return f.out.Write(p) }
func (f *fakeTTY) Close() error                { return nil }

func roleValue(role, prov string) string { return role + "," + prov }
