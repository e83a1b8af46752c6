package aliyuncfg

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/creds"
	"github.com/ramsso/ramsso/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const exe = "/home/me/.local/bin/ramsso"

// ops are the edits each golden case applies.
var ops = map[string][]Profile{
	"external": {{Name: "1234567890123456-admin", Mode: ModeExternal, ProcessCommand: exe + " process 1234567890123456-admin", DefaultRegion: "cn-hangzhou"}},
	"plaintext": {{Name: "2222222222222222-dev", Mode: ModeStsToken, AccessKeyID: "TEST-AKID", AccessKeySecret: "TEST-SECRET",
		STSToken: "TEST-TOKEN+/=", RegionID: "cn-shanghai"}},
	"two": {
		{Name: "1234567890123456-admin", Mode: ModeExternal, ProcessCommand: exe + " process 1234567890123456-admin", RegionID: "cn-beijing"},
		{Name: "dev", Mode: ModeExternal, ProcessCommand: exe + " process dev", DefaultRegion: "cn-hangzhou"},
	},
}

func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.json")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	inputs = append(inputs, "testdata/missing.json")
	for _, in := range inputs {
		for op, profiles := range ops {
			name := strings.TrimSuffix(filepath.Base(in), ".json") + "." + op
			t.Run(name, func(t *testing.T) {
				before, err := os.ReadFile(in)
				if err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				path := filepath.Join(t.TempDir(), "config.json")
				if before != nil {
					if err := os.WriteFile(path, before, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				res, err := Upsert(context.Background(), path, profiles...)
				if foreign := foreignIn(before, profiles); foreign != "" {
					var fe *ForeignProfileError
					if !errors.As(err, &fe) || fe.Name != foreign {
						t.Fatalf("err = %v, want a refusal to change %s", err, foreign)
					}
					if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
						t.Fatal("a refused upsert changed the file")
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if len(res) != len(profiles) {
					t.Fatalf("results %d, want %d", len(res), len(profiles))
				}
				after, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				golden := filepath.Join("testdata", "golden", name+".golden")
				if *update {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, after, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -update)", err)
				}
				if !bytes.Equal(after, want) {
					t.Errorf("output differs from %s:\n%s", golden, after)
				}
				checkPreserved(t, before, after, profiles)
				fi, _ := os.Stat(path)
				wantMode := os.FileMode(0o644)
				if e, _ := Parse(path, after); before == nil || e.HoldsSecret() {
					wantMode = 0o600 // a file holding a key is owner-only
				}
				if fi.Mode().Perm() != wantMode {
					t.Errorf("mode %v, want %v", fi.Mode().Perm(), wantMode)
				}
				// A second identical run changes nothing (a plaintext
				// profile is ramsso's when it still holds the key id
				// ramsso's ledger recorded).
				again := append([]Profile(nil), profiles...)
				for i := range again {
					again[i].KnownKeyID = again[i].AccessKeyID
				}
				if _, err := Upsert(context.Background(), path, again...); err != nil {
					t.Fatal(err)
				}
				if b, _ := os.ReadFile(path); !bytes.Equal(b, after) {
					t.Error("a repeated upsert changed the file")
				}
			})
		}
	}
}

// checkPreserved asserts the meaning of everything ramsso does not own is
// unchanged and the upserted profiles are as asked.
func checkPreserved(t *testing.T, before, after []byte, profiles []Profile) {
	t.Helper()
	var b, a map[string]any
	if len(bytes.TrimSpace(before)) > 0 {
		if err := json.Unmarshal(before, &b); err != nil {
			t.Fatal(err)
		}
	}
	if err := json.Unmarshal(after, &a); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	ours := map[string]Profile{}
	for _, p := range profiles {
		ours[p.Name] = p
	}
	for k, v := range b {
		if k == "profiles" {
			continue
		}
		if k == "current" && v == "" {
			continue
		}
		if !reflect.DeepEqual(a[k], v) {
			t.Errorf("top-level %q changed: %v -> %v", k, v, a[k])
		}
	}
	if b == nil || b["current"] == nil || b["current"] == "" {
		if a["current"] != nil && a["current"] != "" {
			t.Errorf("current = %v, want none: ramsso sets it only with --set-current", a["current"])
		}
	}
	byName := func(m map[string]any) map[string]map[string]any {
		out := map[string]map[string]any{}
		list, _ := m["profiles"].([]any)
		for _, p := range list {
			pm := p.(map[string]any)
			out[pm["name"].(string)] = pm
		}
		return out
	}
	bp, ap := byName(b), byName(a)
	for name, p := range bp {
		if _, mine := ours[name]; mine {
			continue
		}
		if !reflect.DeepEqual(ap[name], p) {
			t.Errorf("profile %s changed: %v -> %v", name, p, ap[name])
		}
	}
	for name, p := range ours {
		got := ap[name]
		if got == nil {
			t.Fatalf("profile %s missing", name)
		}
		if got["mode"] != p.Mode {
			t.Errorf("%s mode %v", name, got["mode"])
		}
		if got["region_id"] == nil || got["region_id"] == "" {
			t.Errorf("%s has no region", name)
		}
		if p.RegionID != "" && got["region_id"] != p.RegionID {
			t.Errorf("%s region %v, want %s", name, got["region_id"], p.RegionID)
		}
		switch p.Mode {
		case ModeExternal:
			if got["process_command"] != p.ProcessCommand {
				t.Errorf("%s process_command %v", name, got["process_command"])
			}
			for _, k := range secretKeys {
				if _, ok := got[k]; ok {
					t.Errorf("%s keeps %s in External mode", name, k)
				}
			}
		case ModeStsToken:
			if got["access_key_id"] != p.AccessKeyID || got["access_key_secret"] != p.AccessKeySecret || got["sts_token"] != p.STSToken {
				t.Errorf("%s keys not written", name)
			}
		}
		// Keys of an existing profile that ramsso does not manage survive.
		if old := bp[name]; old != nil {
			for k, v := range old {
				switch k {
				case "mode", "process_command", "region_id", "access_key_id", "access_key_secret", "sts_token":
					continue
				}
				if !reflect.DeepEqual(got[k], v) {
					t.Errorf("%s key %s changed: %v -> %v", name, k, v, got[k])
				}
			}
		}
	}
}

// foreignIn returns the first profile in profiles that before holds under
// the same name and ramsso did not write ("" when none).
func foreignIn(before []byte, profiles []Profile) string {
	if len(bytes.TrimSpace(before)) == 0 {
		return ""
	}
	e, err := Parse("x", before)
	if err != nil {
		return ""
	}
	for _, p := range profiles {
		for _, q := range e.profiles {
			if q.str("name") == p.Name && !IsRamssoProfile(q.str("mode"), q.str("process_command")) {
				return p.Name
			}
		}
	}
	return ""
}

func TestExistingRegionKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	data, _ := os.ReadFile("testdata/credentials-go.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := Upsert(context.Background(), path, Profile{Name: "1234567890123456-admin", Mode: ModeExternal, ProcessCommand: exe + " process x", DefaultRegion: "cn-hangzhou"})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Created || res[0].Region != "eu-central-1" {
		t.Fatalf("got %+v, want the existing profile updated keeping eu-central-1", res[0])
	}
}

func TestMalformedLeftUntouched(t *testing.T) {
	cases := []struct {
		name, content, want string
	}{
		{"syntax", "{\n\t\"current\": \"a\",\n\t\"profiles\": [,]\n}", ":3:"},
		{"truncated", "{\"current\": \"a\", \"profiles\": [", "not valid JSON"},
		{"array", "[1,2]", "not a JSON object"},
		{"profiles-object", `{"profiles": {"name": "x"}}`, `"profiles" is not a list`},
		{"profile-string", `{"profiles": ["x"]}`, "profile #1 is not an object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.json")
			if err := os.WriteFile(path, []byte(c.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Upsert(context.Background(), path, Profile{Name: "p", Mode: ModeExternal, ProcessCommand: exe + " process p"})
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("err = %v, want one naming %s and %q", err, path, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			got, _ := os.ReadFile(path)
			if string(got) != c.content {
				t.Fatal("malformed file was changed")
			}
		})
	}
}

// TestConcurrentWriters has 10 writers upsert different profiles at once:
// none is lost, and the untouched profiles survive.
func TestConcurrentWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	data, _ := os.ReadFile("testdata/aliyun-cli.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	const n = 10
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			name := fmt.Sprintf("w%d", i)
			_, err := Upsert(context.Background(), path, Profile{Name: name, Mode: ModeExternal, ProcessCommand: exe + " process " + name, DefaultRegion: "cn-hangzhou"})
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	e, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	names := strings.Join(e.Names(), ",")
	for i := 0; i < n; i++ {
		if !strings.Contains(names+",", fmt.Sprintf("w%d,", i)) {
			t.Errorf("writer %d lost: %s", i, names)
		}
	}
	if !strings.HasPrefix(names, "default,sts,ramrole,ecs,ext,uri,chain,sso,oauth,") {
		t.Errorf("existing profiles disturbed: %s", names)
	}
	if e.Current() != "default" {
		t.Errorf("current = %q", e.Current())
	}
}

// TestCrashBeforeRename: a writer killed between writing its temporary
// file and renaming it leaves the temporary behind and the old file valid;
// the next write succeeds.
func TestCrashBeforeRename(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	data, _ := os.ReadFile("testdata/aliyun-cli.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	// What a crashed writer leaves: a half-written temporary file.
	stale := filepath.Join(dir, ".config.json.tmp-123")
	if err := os.WriteFile(stale, data[:len(data)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	e, err := Read(path)
	if err != nil || len(e.Names()) != 9 {
		t.Fatalf("old file not valid after crash: %v", err)
	}
	if _, err := Upsert(context.Background(), path, Profile{Name: "x", Mode: ModeExternal, ProcessCommand: exe + " process x", DefaultRegion: "cn-hangzhou"}); err != nil {
		t.Fatal(err)
	}
	if e, err := Read(path); err != nil || len(e.Names()) != 10 {
		t.Fatalf("write after crash: %v", err)
	}
}

// TestCrashProcessKilled runs a child that takes the lock and writes the
// temporary file, then is killed before renaming.
func TestCrashProcessKilled(t *testing.T) {
	if os.Getenv("ALIYUNCFG_CRASH_CHILD") != "" {
		path := os.Getenv("ALIYUNCFG_CRASH_CHILD")
		_, _ = Update(context.Background(), path, func(e *Edit) error {
			if _, err := e.Upsert(Profile{Name: "child", Mode: ModeExternal, ProcessCommand: exe + " process child"}); err != nil {
				return err
			}
			b, _ := e.Bytes()
			_ = os.WriteFile(path+".tmp-child", b, 0o600)
			fmt.Println("ready")
			time.Sleep(time.Minute) // killed here, holding the lock
			return nil
		})
		os.Exit(0)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	data, _ := os.ReadFile("testdata/credentials-go.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	execChild(t, path)
	if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
		t.Fatal("the killed writer changed config.json")
	}
	if _, err := os.Stat(path + ".tmp-child"); err != nil {
		t.Fatalf("the killed writer's temporary file is not there: %v", err)
	}
	if _, err := Upsert(context.Background(), path, Profile{Name: "after", Mode: ModeExternal, ProcessCommand: exe + " process after"}); err != nil {
		t.Fatalf("write after the killed writer: %v", err)
	}
	e, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(e.Names(), ","); got != "work,1234567890123456-admin,after" {
		t.Fatalf("profiles %s", got)
	}
}

func TestProcessCommand(t *testing.T) {
	cases := []struct {
		exe, profile, want, err string
	}{
		{"/usr/local/bin/ramsso", "acct-admin", "/usr/local/bin/ramsso process acct-admin", ""},
		{"/Users/Jane Doe/bin/ramsso", "p", "", "path without spaces"},
		{"ramsso", "p", "", "not absolute"},
		{"/bin/ramsso", "a b", "", "spaces"},
	}
	for _, c := range cases {
		got, err := ProcessCommand(c.exe, c.profile)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s %s: err %v, want %q", c.exe, c.profile, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s %s: %q %v", c.exe, c.profile, got, err)
		}
	}
}

func TestConfigureProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "config.json")
	s := store.Session{Profile: "acct-admin", Site: "international", Credentials: creds.Credentials{
		AccessKeyID: "TEST-AKID", AccessKeySecret: "TEST-SECRET", SecurityToken: "TEST-TOKEN", Expiration: time.Now().Add(time.Hour)}}
	res, err := ConfigureProfile(context.Background(), s, Options{Path: path, Exe: exe})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || res.Region != "ap-southeast-1" {
		t.Fatalf("%+v", res)
	}
	b, _ := os.ReadFile(path)
	if bytes.Contains(b, []byte("TEST-SECRET")) {
		t.Fatal("External profile holds a secret")
	}
	if _, err := ConfigureProfile(context.Background(), s, Options{Path: path, Exe: exe, Plaintext: true, Region: "cn-beijing"}); err != nil {
		t.Fatal(err)
	}
	e, _ := Read(path)
	if mode, cmd := e.ProfileMode("acct-admin"); mode != ModeStsToken || cmd != "" {
		t.Fatalf("mode %s cmd %q", mode, cmd)
	}
	_, err = ConfigureProfile(context.Background(), s, Options{Path: filepath.Join(t.TempDir(), "c.json"), Exe: "/a b/ramsso"})
	if err == nil {
		t.Fatal("a path with spaces was accepted")
	}
}

func TestPath(t *testing.T) {
	env := map[string]string{"HOME": "/home/me", EnvConfigFile: "/etc/aliyun.json"}
	p, err := Path(func(k string) string { return env[k] })
	if err != nil || p != filepath.Join("/home/me", ".aliyun", "config.json") {
		t.Fatalf("%s %v: want the file the aliyun CLI reads, whatever %s says", p, err, EnvConfigFile)
	}
}
