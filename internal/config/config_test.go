package config

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func writeSettings(t *testing.T, content string) string {
	t.Helper()
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, SettingsFile), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return home
}

func TestLoadMissingGivesDefaults(t *testing.T) {
	s, err := Load(filepath.Join(t.TempDir(), "nothing-here"))
	if err != nil {
		t.Fatalf("Load of a missing file: %v", err)
	}
	d, err := s.Duration()
	if err != nil || d != time.Hour {
		t.Errorf("Duration() = %v, %v; want 1h", d, err)
	}
	if !s.NotificationsEnabled() {
		t.Error("notifications default off; want on")
	}
}

func TestLoadMalformed(t *testing.T) {
	tests := []struct {
		name    string
		content string
		pos     string // "line:col"
		what    string // a fragment of the message
	}{
		{"trailing comma", "{\n  \"store\": \"file\",\n  }\n", "3:3", "invalid character '}'"},
		{"truncated", "{\n  \"store\": \"file\"", "2:18", "unexpected end of JSON input"},
		{"wrong type", "{\n  \"region\": 42\n}", "2:", `"region" must be a string, not a JSON number`},
		{"nested wrong type", "{\"sts\": {\"vpc\": \"yes\"}}", "1:", `"sts.vpc" must be true or false`},
		{"not an object", "[1,2]", "1:", "must be an object"},
		{"null", "null", "1:1", "expected a JSON object"},
		{"bad store", `{"store": "vault"}`, "", `"store" is "vault"`},
		{"bad duration", `{"defaultDuration": "forever"}`, "", `"defaultDuration": invalid duration`},
		{"negative duration", `{"clipboardTimeout": "-5s"}`, "", "must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := writeSettings(t, tt.content)
			_, err := Load(home)
			if err == nil {
				t.Fatal("Load accepted a malformed file")
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("message spans lines: %q", msg)
			}
			prefix := "settings " + Path(home)
			if tt.pos != "" {
				prefix += ":" + tt.pos
			}
			if !strings.HasPrefix(msg, prefix) {
				t.Errorf("message %q does not start with %q", msg, prefix)
			}
			if !strings.Contains(msg, tt.what) {
				t.Errorf("message %q does not say %q", msg, tt.what)
			}
			if !strings.HasSuffix(msg, ": fix or delete the file") {
				t.Errorf("message %q does not say what to do", msg)
			}
		})
	}
}

func TestBlankFileIsDefaults(t *testing.T) {
	s, err := Load(writeSettings(t, "  \n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := Resolve(nil, s).Store; got != "keyring" {
		t.Errorf("Store = %q", got)
	}
}

func TestSavePreservesUnknownKeys(t *testing.T) {
	const orig = `{
  "accountAliases": {"1234567890": "prod"},
  "futureFeature": {"nested": [1, 2.5, "x", null, true], "deep": {"a": "b"}},
  "sts": {"endpoint": "sts.cn-hangzhou.aliyuncs.com", "futureSTSKey": 7},
  "notifications": false,
  "aNumber": 12345678901234567890,
  "region": "cn-hangzhou"
}`
	home := writeSettings(t, orig)
	s, err := Load(home)
	if err != nil {
		t.Fatal(err)
	}
	if s.AccountAlias("1234567890") != "prod" || s.NotificationsEnabled() || s.STS.Endpoint != "sts.cn-hangzhou.aliyuncs.com" {
		t.Fatalf("known keys not read: %+v", s)
	}
	// Change known keys: one set, one cleared.
	s.AccountAliases["999"] = "dev"
	s.Region = ""
	s.STS.VPC = true
	if err := s.Save(home); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(Path(home))
	if err != nil {
		t.Fatal(err)
	}
	var got, want map[string]any
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("saved file is not JSON: %v\n%s", err, data)
	}
	dec = json.NewDecoder(strings.NewReader(orig))
	dec.UseNumber()
	if err := dec.Decode(&want); err != nil {
		t.Fatal(err)
	}
	want["accountAliases"] = map[string]any{"1234567890": "prod", "999": "dev"}
	delete(want, "region")
	want["sts"].(map[string]any)["vpc"] = true
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after round trip:\n got  %v\n want %v", got, want)
	}
	// The big number survives digit for digit.
	if !strings.Contains(string(data), "12345678901234567890") {
		t.Errorf("unknown number rewritten: %s", data)
	}
	// A second load and save changes nothing.
	s2, err := Load(home)
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Save(home); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(Path(home))
	if string(again) != string(data) {
		t.Errorf("second save changed the file:\n%s\n---\n%s", data, again)
	}
}

func TestSaveNewFileAndPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX modes")
	}
	home := filepath.Join(t.TempDir(), "a", "ramsso")
	s := &Settings{Region: "cn-shanghai"}
	if err := s.Save(home); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(Path(home))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("settings mode %04o; want 0600", fi.Mode().Perm())
	}
	di, err := os.Stat(home)
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Errorf("home mode %04o; want 0700", di.Mode().Perm())
	}
	data, _ := os.ReadFile(Path(home))
	if strings.Contains(string(data), `"sts"`) {
		t.Errorf("empty sts object written: %s", data)
	}
	// No temporary files are left behind.
	entries, _ := os.ReadDir(home)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("left %s behind", e.Name())
		}
	}
	// An existing settings file that was 0644 becomes 0600 on save.
	if err := os.Chmod(Path(home), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(home); err != nil {
		t.Fatal(err)
	}
	fi, _ = os.Stat(Path(home))
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("rewritten settings mode %04o; want 0600", fi.Mode().Perm())
	}
}

func TestEnsureHome(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX modes")
	}
	base := t.TempDir()
	tests := []struct {
		name    string
		setup   func(p string)
		wantErr string
		mode    os.FileMode // expected afterwards, 0 to skip
	}{
		{"missing is created 0700", func(string) {}, "", 0o700},
		{"owner-only kept", func(p string) { _ = os.Mkdir(p, 0o700) }, "", 0o700},
		{"world-readable accepted", func(p string) { _ = os.Mkdir(p, 0o755); _ = os.Chmod(p, 0o755) }, "", 0o755},
		{"group-writable refused", func(p string) { _ = os.Mkdir(p, 0o770); _ = os.Chmod(p, 0o770) }, "writable by other users", 0},
		{"a file refused", func(p string) { _ = os.WriteFile(p, nil, 0o600) }, "not a directory", 0},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(base, string(rune('a'+i)))
			tt.setup(p)
			err := EnsureHome(p)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("EnsureHome = %v; want error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != tt.mode {
				t.Errorf("mode %04o; want %04o", fi.Mode().Perm(), tt.mode)
			}
			checkErr := CheckHome(p)
			if (tt.mode&0o077 != 0) != (checkErr != nil) {
				t.Errorf("CheckHome = %v for mode %04o", checkErr, tt.mode)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"3600", time.Hour, false},
		{" 900 ", 15 * time.Minute, false},
		{"1h", time.Hour, false},
		{"90m", 90 * time.Minute, false},
		{"1h30m", 90 * time.Minute, false},
		{"43200s", 12 * time.Hour, false},
		{"", 0, true},
		{"0", 0, true},
		{"-60", 0, true},
		{"-1h", 0, true},
		{"1 hour", 0, true},
		{"1.5", 0, true},
		{"99999999999999999999", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, err=%v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestDurationSettings(t *testing.T) {
	off := false
	s := &Settings{DefaultDuration: "7200", ConsoleChoiceWait: "2m", ClipboardTimeout: "10s", Notifications: &off}
	for _, c := range []struct {
		name string
		fn   func() (time.Duration, error)
		want time.Duration
		def  time.Duration
	}{
		{"Duration", s.Duration, 2 * time.Hour, time.Hour},
		{"ConsoleChoiceWait", s.ConsoleChoiceWaitDuration, 2 * time.Minute, 90 * time.Second},
		{"ClipboardTimeout", s.ClipboardTimeoutDuration, 10 * time.Second, 30 * time.Second},
	} {
		if got, err := c.fn(); err != nil || got != c.want {
			t.Errorf("%s = %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	if s.NotificationsEnabled() {
		t.Error("notifications: false ignored")
	}
	empty := &Settings{}
	for name, c := range map[string]struct {
		fn   func() (time.Duration, error)
		want time.Duration
	}{
		"Duration":          {empty.Duration, time.Hour},
		"ConsoleChoiceWait": {empty.ConsoleChoiceWaitDuration, 90 * time.Second},
		"ClipboardTimeout":  {empty.ClipboardTimeoutDuration, 30 * time.Second},
	} {
		if got, err := c.fn(); err != nil || got != c.want {
			t.Errorf("default %s = %v, %v; want %v", name, got, err, c.want)
		}
	}
	bad := &Settings{DefaultDuration: "soon"}
	if _, err := bad.Duration(); err == nil || !strings.Contains(err.Error(), `"defaultDuration"`) {
		t.Errorf("bad duration error %v does not name the setting", err)
	}
}

func TestPrecedence(t *testing.T) {
	s := &Settings{Store: "file", Proxy: "http://settings-proxy:1", STS: STSSettings{Endpoint: "settings.example", Region: "cn-shanghai"}, SigninEndpoint: "signin.settings"}
	empty := &Settings{}
	flags := func(set *Settings, env map[string]string, endpoint, region string) Effective {
		e, err := Resolve(func(k string) string { return env[k] }, set).WithSTSFlags(endpoint, region)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	tests := []struct {
		name string
		env  map[string]string
		set  *Settings
		got  func(Effective) string
		want string
	}{
		{"store from settings", nil, s, func(e Effective) string { return e.Store }, "file"},
		{"store env wins", map[string]string{EnvStore: "keyring"}, s, func(e Effective) string { return e.Store }, "keyring"},
		{"store default", nil, empty, func(e Effective) string { return e.Store }, "keyring"},
		{"sts env over settings", map[string]string{EnvSTSEndpoint: "env.example"}, s, func(e Effective) string { return e.STS.Endpoint }, "env.example"},
		{"sts settings", nil, s, func(e Effective) string { return e.STS.Endpoint }, "settings.example"},
		{"sts default empty", nil, empty, func(e Effective) string { return e.STS.Endpoint }, ""},
		{"signin env", map[string]string{EnvSigninEndpoint: "signin.env"}, s, func(e Effective) string { return e.SigninEndpoint }, "signin.env"},
		{"signin settings", nil, s, func(e Effective) string { return e.SigninEndpoint }, "signin.settings"},
		{"proxy env wins", map[string]string{EnvProxy: "http://env-proxy:2", "HTTPS_PROXY": "http://shell:3"}, s, func(e Effective) string { return e.Proxy }, "http://env-proxy:2"},
		{"proxy settings over HTTPS_PROXY", map[string]string{"HTTPS_PROXY": "http://shell:3"}, s, func(e Effective) string { return e.Proxy }, "http://settings-proxy:1"},
		{"proxy HTTPS_PROXY last", map[string]string{"HTTPS_PROXY": "http://shell:3"}, empty, func(e Effective) string { return e.Proxy }, "http://shell:3"},
		{"proxy https_proxy", map[string]string{"https_proxy": "http://lower:4"}, empty, func(e Effective) string { return e.Proxy }, "http://lower:4"},
		{"proxy none", nil, empty, func(e Effective) string { return e.Proxy }, ""},
		{"no browser", map[string]string{EnvNoBrowser: "1"}, empty, func(e Effective) string { return fmt.Sprint(e.NoBrowser) }, "true"},
		{"no browser false", map[string]string{EnvNoBrowser: "no"}, empty, func(e Effective) string { return fmt.Sprint(e.NoBrowser) }, "false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.got(Resolve(func(k string) string { return tt.env[k] }, tt.set)); got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
	// A flag always wins, over the environment too.
	env := map[string]string{EnvSTSEndpoint: "env.example"}
	if got := flags(s, env, "flag.example", "").STS.Endpoint; got != "flag.example" {
		t.Errorf("sts flag wins: got %q", got)
	}
	e := flags(s, env, "", "bad/region")
	if e.STS.Endpoint != "" || e.STS.Region != "bad/region" {
		t.Errorf("--sts-region under RAMSSO_STS_ENDPOINT: got %+v; want the region to replace the endpoint", e.STS)
	}
	if _, err := Resolve(nil, s).WithSTSFlags("a.example", "cn-beijing"); !errors.Is(err, ErrBothSTSFlags) {
		t.Errorf("both STS flags: %v, want ErrBothSTSFlags", err)
	}
	// The host's view sees no environment at all.
	if got := Resolve(nil, s); got.Store != "file" || got.STS.Endpoint != "settings.example" || got.Proxy != "http://settings-proxy:1" {
		t.Errorf("Resolve(nil) = %+v", got)
	}
}

func TestHomeFrom(t *testing.T) {
	for _, tc := range []struct {
		goos string
		env  map[string]string
		want string
	}{
		{"linux", map[string]string{"HOME": "/home/a"}, "/home/a/.config/ramsso"},
		{"linux", map[string]string{"HOME": "/home/a", "XDG_CONFIG_HOME": "/x"}, "/x/ramsso"},
		{"linux", map[string]string{"HOME": "/home/a", EnvHome: "/r"}, "/r"},
		{"darwin", map[string]string{"HOME": "/Users/a"}, "/Users/a/Library/Application Support/ramsso"},
		{"windows", map[string]string{"APPDATA": "/appdata"}, "/appdata/ramsso"},
	} {
		got, err := HomeFrom(tc.goos, func(k string) string { return tc.env[k] })
		if err != nil || got != filepath.FromSlash(tc.want) {
			t.Errorf("HomeFrom(%s, %v) = %q, %v; want %q", tc.goos, tc.env, got, err, tc.want)
		}
	}
	got, err := DefaultHome("linux", func(k string) string {
		return map[string]string{"HOME": "/home/a", EnvHome: "/r"}[k]
	})
	if err != nil || got != filepath.FromSlash("/home/a/.config/ramsso") {
		t.Errorf("DefaultHome ignores RAMSSO_HOME: got %q, %v", got, err)
	}
	if _, err := HomeFrom("linux", func(string) string { return "" }); err == nil {
		t.Error("HomeFrom with no HOME: no error")
	}
}

func TestHome(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvHome, dir)
	if h, err := Home(); err != nil || h != dir {
		t.Errorf("Home() = %q, %v; want %q", h, err, dir)
	}
	t.Setenv(EnvHome, "")
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("HOME", dir)
	h, err := Home()
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(h) != "ramsso" || !strings.HasPrefix(h, dir) {
		t.Errorf("default Home() = %q; want <user config dir>/ramsso under %s", h, dir)
	}
}

func TestNoBrowser(t *testing.T) {
	for v, want := range map[string]bool{"": false, "1": true, "true": true, "0": false, "false": false, "yes": true, "no": false, " FALSE ": false, "off": false} {
		if got := ParseNoBrowser(v); got != want {
			t.Errorf("ParseNoBrowser(%q) = %v; want %v", v, got, want)
		}
	}
}

func TestUpdateConcurrent(t *testing.T) {
	home := t.TempDir()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := Update(context.Background(), home, func(s *Settings) error {
				if s.AccountAliases == nil {
					s.AccountAliases = map[string]string{}
				}
				s.AccountAliases[string(rune('A'+i))] = "x"
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	s, err := Load(home)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.AccountAliases) != 16 {
		t.Errorf("lost updates: %d of 16 aliases kept", len(s.AccountAliases))
	}
}

func TestLockFileTimesOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	unlock, err := LockFile(context.Background(), path, false, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	start := time.Now()
	_, err = LockFile(context.Background(), path, true, 100*time.Millisecond)
	if err == nil {
		t.Fatal("second lock taken while the first is held")
	}
	if !regexp.MustCompile(`another ramsso process has held .*x\.lock for over 100ms`).MatchString(err.Error()) {
		t.Errorf("unclear lock error: %v", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("waited %v", el)
	}
	// Two shared locks coexist.
	unlock()
	u1, err := LockFile(context.Background(), path, true, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer u1()
	u2, err := LockFile(context.Background(), path, true, time.Second)
	if err != nil {
		t.Fatalf("second shared lock: %v", err)
	}
	u2()
}

// TestLoadWindowsEncodings: a settings.json saved with a UTF-8 BOM (Notepad,
// PowerShell's Out-File -Encoding utf8) loads; UTF-16 is named.
func TestLoadWindowsEncodings(t *testing.T) {
	s, err := Load(writeSettings(t, "\ufeff{\"region\": \"cn-shanghai\"}\r\n"))
	if err != nil {
		t.Fatalf("UTF-8 with BOM: %v", err)
	}
	if s.Region != "cn-shanghai" {
		t.Errorf("Region = %q", s.Region)
	}
	_, err = Load(writeSettings(t, "\xff\xfe{\x00}\x00"))
	if err == nil || !strings.Contains(err.Error(), "UTF-16") || !strings.Contains(err.Error(), "UTF-8") {
		t.Errorf("UTF-16: error %v, want one naming UTF-16 and UTF-8", err)
	}
	if _, err := Load(writeSettings(t, `{"sts": {"timeout": "soon"}}`)); err == nil || !strings.Contains(err.Error(), "sts.timeout") {
		t.Errorf("bad sts.timeout: error %v", err)
	}
}
