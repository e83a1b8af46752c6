package aliyuncfg

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/creds"
	"github.com/ramsso/ramsso/internal/store"
)

const userAK = `{
	"current": "",
	"profiles": [
		{
			"name": "1234567890123456-admin",
			"mode": "AK",
			"access_key_id": "USER-AKID",
			"access_key_secret": "USER-SECRET",
			"region_id": "cn-shanghai"
		}
	],
	"meta_path": ""
}
`

func ours(name string) Profile {
	return Profile{Name: name, Mode: ModeExternal, ProcessCommand: exe + " process " + name, DefaultRegion: "cn-hangzhou"}
}

func TestIsRamssoProfile(t *testing.T) {
	cases := []struct {
		mode, cmd string
		want      bool
	}{
		{"External", "/home/me/.local/bin/ramsso process prod-admin", true},
		{"External", `C:\Users\me\bin\ramsso.exe process prod-admin`, true},
		{"external", "/usr/bin/ramsso process p", true},
		{"External", "/usr/bin/saml2aliyun --profile dev", false},
		{"External", "/usr/bin/ramsso-evil process p", false},
		{"External", "/usr/bin/ramsso env p", false},
		{"External", "/usr/bin/ramsso process", false},
		{"AK", "/usr/bin/ramsso process p", false},
		{"StsToken", "", false},
		{"", "", false},
	}
	for _, c := range cases {
		if got := IsRamssoProfile(c.mode, c.cmd); got != c.want {
			t.Errorf("IsRamssoProfile(%q, %q) = %v, want %v", c.mode, c.cmd, got, c.want)
		}
	}
}

func TestForeignProfileRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte(userAK), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Upsert(context.Background(), path, ours("1234567890123456-admin"))
	var fe *ForeignProfileError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want a refusal", err)
	}
	for _, want := range []string{"1234567890123456-admin", path, "--name", "--force", "mode AK"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if b, _ := os.ReadFile(path); string(b) != userAK {
		t.Fatalf("the user's profile was changed:\n%s", b)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("refusal left files behind: %v", entries)
	}

	// --force: a 0600 backup beside the file, then the replacement.
	p := ours("1234567890123456-admin")
	p.Force = true
	res, err := Upsert(context.Background(), path, p)
	if err != nil {
		t.Fatal(err)
	}
	if !res[0].Replaced || res[0].Backup == "" || filepath.Dir(res[0].Backup) != filepath.Dir(path) {
		t.Fatalf("result %+v, want a replacement with a backup beside the file", res[0])
	}
	b, err := os.ReadFile(res[0].Backup)
	if err != nil || string(b) != userAK {
		t.Fatalf("backup %q: %v", b, err)
	}
	if fi, _ := os.Stat(res[0].Backup); fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", fi.Mode().Perm())
	}
	e, _ := Read(path)
	if mode, _ := e.ProfileMode("1234567890123456-admin"); mode != ModeExternal {
		t.Fatalf("mode %s after --force", mode)
	}
	// Now it is ramsso's: a second run needs no force and makes no backup.
	res, err = Upsert(context.Background(), path, ours("1234567890123456-admin"))
	if err != nil || res[0].Replaced || res[0].Backup != "" {
		t.Fatalf("%+v %v", res, err)
	}
}

func TestCurrentOnlyWhenAsked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	if _, err := Upsert(context.Background(), path, ours("a")); err != nil {
		t.Fatal(err)
	}
	if e, _ := Read(path); e.Current() != "" {
		t.Fatalf("current = %q on a fresh file: every SDK's default chain would run it", e.Current())
	}
	p := ours("b")
	p.SetCurrent = true
	if _, err := Upsert(context.Background(), path, p); err != nil {
		t.Fatal(err)
	}
	if e, _ := Read(path); e.Current() != "b" {
		t.Fatalf("current = %q with SetCurrent", e.Current())
	}
}

func TestSecretMakesFileOwnerOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte(`{"profiles":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// External only: no secret, the mode stays.
	res, err := Upsert(context.Background(), path, ours("a"))
	if err != nil || res[0].Tightened != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v", fi.Mode().Perm())
	}
	res, err = Upsert(context.Background(), path, Profile{Name: "p", Mode: ModeStsToken, AccessKeyID: "K", AccessKeySecret: "S", STSToken: "T", RegionID: "cn-hangzhou"})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Tightened != 0o644 {
		t.Errorf("Tightened = %v, want 0644 reported", res[0].Tightened)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v after writing a secret, want 0600", fi.Mode().Perm())
	}
}

func TestSymlinkedConfigWrittenThrough(t *testing.T) {
	dotfiles := filepath.Join(t.TempDir(), "dotfiles")
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".aliyun"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dotfiles, 0o700); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dotfiles, "aliyun.json")
	if err := os.WriteFile(target, []byte(`{"profiles":[],"meta_path":""}`), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(home, ".aliyun", "config.json")
	if err := os.Symlink("../../"+filepath.Base(filepath.Dir(dotfiles))+"/dotfiles/aliyun.json", link); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(link); err != nil {
		t.Fatalf("test link broken: %v", err)
	}
	res, err := Upsert(context.Background(), link, ours("a"))
	if err != nil {
		t.Fatal(err)
	}
	if res[0].File != target {
		t.Errorf("File = %s, want the target %s", res[0].File, target)
	}
	fi, err := os.Lstat(link)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced by a file: %v %v", fi.Mode(), err)
	}
	b, _ := os.ReadFile(target)
	if !bytes.Contains(b, []byte(exe+" process a")) {
		t.Fatalf("target not updated: %s", b)
	}
	for _, dir := range []string{dotfiles, filepath.Join(home, ".aliyun")} {
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Errorf("%s holds %d entries, want only the file (no temp file, no lock left)", dir, len(entries))
		}
	}
}

func TestPlaintextLedger(t *testing.T) {
	dir := t.TempDir()
	path, home := filepath.Join(dir, "config.json"), filepath.Join(dir, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	s := store.Session{Profile: "acct-admin", Region: "cn-hangzhou", Credentials: creds.Credentials{
		AccessKeyID: "STS.ONE", AccessKeySecret: "S1", SecurityToken: "T1", Expiration: time.Now().Add(time.Hour)}}
	o := Options{Path: path, Exe: exe, Plaintext: true, Home: home}
	if _, err := ConfigureProfile(context.Background(), s, o); err != nil {
		t.Fatal(err)
	}
	// The next login's keys replace ramsso's own plaintext profile.
	s.Credentials.AccessKeyID, s.Credentials.AccessKeySecret = "STS.TWO", "S2"
	if _, err := ConfigureProfile(context.Background(), s, o); err != nil {
		t.Fatalf("rewriting ramsso's own plaintext profile: %v", err)
	}
	// The user put their own keys there: it is theirs now.
	b, _ := os.ReadFile(path)
	if err := os.WriteFile(path, bytes.ReplaceAll(b, []byte("STS.TWO"), []byte("USER-KEY")), 0o600); err != nil {
		t.Fatal(err)
	}
	var fe *ForeignProfileError
	if _, err := ConfigureProfile(context.Background(), s, o); !errors.As(err, &fe) {
		t.Fatalf("err = %v, want a refusal", err)
	}
	if _, err := ConfigureProfile(context.Background(), s, Options{Path: path, Exe: exe, Home: home}); !errors.As(err, &fe) {
		t.Fatalf("External over the user's plaintext profile: err = %v, want a refusal", err)
	}
	// --name picks another profile.
	o.Name = "acct-admin-ramsso"
	if res, err := ConfigureProfile(context.Background(), s, o); err != nil || res.Name != "acct-admin-ramsso" {
		t.Fatalf("%+v %v", res, err)
	}
}

func TestConfigPaths(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	cases := []struct {
		name, goos string
		getenv     func(string) string
		cli, sdk   string
	}{
		{"linux", "linux", env("HOME", "/home/me"), "/home/me/.aliyun/config.json", "/home/me/.aliyun/config.json"},
		{"linux-env", "linux", env("HOME", "/home/me", EnvConfigFile, "/srv/a.json"), "/home/me/.aliyun/config.json", "/srv/a.json"},
		{"windows-homedrive", "windows", env("HOMEDRIVE", "H:", "HOMEPATH", `\me`, "USERPROFILE", `C:\Users\me`),
			`H:\me\.aliyun\config.json`, `C:\Users\me\.aliyun\config.json`},
		{"windows-userprofile", "windows", env("USERPROFILE", `C:\Users\me`, "HOME", "/c/msys"), `C:\Users\me\.aliyun\config.json`, `C:\Users\me\.aliyun\config.json`},
		{"darwin-nohome", "darwin", env(), "", ""},
	}
	for _, c := range cases {
		if got := CLIConfigPath(c.goos, c.getenv); got != c.cli {
			t.Errorf("%s: CLIConfigPath = %q, want %q", c.name, got, c.cli)
		}
		if got := SDKConfigPath(c.goos, c.getenv); got != c.sdk {
			t.Errorf("%s: SDKConfigPath = %q, want %q", c.name, got, c.sdk)
		}
	}
}
