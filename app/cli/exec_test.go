package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aliyun/credentials-go/credentials"
)

// sdkChild is the test binary run as a child of ramsso exec: the real
// credentials-go default chain, as every Alibaba Cloud SDK builds it, says
// which key it would sign with.
func sdkChild() int {
	cred, err := credentials.NewCredential(nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	c, err := cred.GetCredential()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 4
	}
	fmt.Printf("%s|%s|%s\n", *c.AccessKeyId, *c.ProviderName, os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET"))
	return 0
}

// userConfig writes a config.json whose current profile holds other keys:
// what a child would silently sign with if ramsso did not take care.
func userConfig(t *testing.T, w *world) {
	t.Helper()
	cfg := `{"current":"work","profiles":[{"name":"work","mode":"AK","access_key_id":"LTAI-WORK","access_key_secret":"WORK-SECRET","region_id":"cn-beijing"}],"meta_path":""}`
	if err := os.MkdirAll(filepath.Dir(w.aliyunConfig()), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.aliyunConfig(), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", w.env["HOME"])
}

// fakeAliyun puts an `aliyun` on PATH that decides which keys it signs
// with the way aliyun-cli does (config/configuration.go
// LoadProfileWithContext and config/profile.go at commit eadd68d9): with
// ALIBABA_CLOUD_IGNORE_PROFILE or ALIBABACLOUD_IGNORE_PROFILE = TRUE it
// ignores config.json and takes the environment's keys in region
// cn-hangzhou; otherwise it loads the current profile, whose own keys win
// over the environment's.
func fakeAliyun(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	script := `#!/bin/sh
if [ "$ALIBABA_CLOUD_IGNORE_PROFILE" = TRUE ] || [ "$ALIBABACLOUD_IGNORE_PROFILE" = TRUE ]; then
  echo "signs-with=$ALIBABA_CLOUD_ACCESS_KEY_ID region=cn-hangzhou"
else
  key=$(sed -n 's/.*"access_key_id":"\([^"]*\)".*/\1/p' "$HOME/.aliyun/config.json")
  echo "signs-with=${key:-$ALIBABA_CLOUD_ACCESS_KEY_ID}"
fi
`
	if err := os.WriteFile(filepath.Join(dir, "aliyun"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// TestExecAliyunSignsAsProfile is issue 8's reproduction: `ramsso exec P
// -- aliyun ...` ran as config.json's current profile.
func TestExecAliyunSignsAsProfile(t *testing.T) {
	w := newWorld(t)
	keys := w.assumeAdmin()
	profile := acct1 + "-admin"
	userConfig(t, w)
	fakeAliyun(t)
	if err := os.WriteFile(filepath.Join(w.home, "settings.json"), []byte(`{"store":"file","region":"cn-shanghai"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r := w.run("exec", profile, "--", "aliyun", "ecs", "DescribeRegions")
	if r.code != 0 || r.stdout != "signs-with="+keys["AccessKeyId"]+" region=cn-hangzhou\n" {
		t.Fatalf("aliyun under exec: %d %q %s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "--region cn-shanghai") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("no region note: %q", r.stderr)
	}
	if r := w.run("exec", profile, "--", "aliyun", "--region", "cn-shanghai", "ecs"); strings.Contains(r.stderr, "note") {
		t.Errorf("note despite --region: %s", r.stderr)
	}
	// Both spellings reach the child.
	r = w.run("exec", profile, "--", "sh", "-c", `echo "$ALIBABA_CLOUD_IGNORE_PROFILE $ALIBABACLOUD_IGNORE_PROFILE"`)
	if r.stdout != "TRUE TRUE\n" || r.stderr != "" {
		t.Fatalf("ignore-profile switches: %q %q", r.stdout, r.stderr)
	}
}

func TestAliyunRegionNote(t *testing.T) {
	cases := []struct {
		argv   []string
		region string
		want   bool
	}{
		{[]string{"aliyun", "ecs"}, "cn-shanghai", true},
		{[]string{"/usr/local/bin/aliyun", "ecs"}, "eu-central-1", true},
		{[]string{`aliyun.EXE`}, "eu-central-1", true},
		{[]string{"aliyun", "ecs"}, "cn-hangzhou", false},
		{[]string{"aliyun", "--region=cn-shanghai"}, "cn-shanghai", false},
		{[]string{"aliyun", "ecs"}, "", false},
		{[]string{"terraform", "plan"}, "cn-shanghai", false},
	}
	for _, c := range cases {
		if got := aliyunRegionNote(c.argv, c.region) != ""; got != c.want {
			t.Errorf("aliyunRegionNote(%q, %q) = %v, want %v", c.argv, c.region, got, c.want)
		}
	}
}

func TestExecExitCodes(t *testing.T) {
	w := newWorld(t)
	w.assumeAdmin()
	profile := acct1 + "-admin"
	notExec := filepath.Join(t.TempDir(), "notexec")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		argv []string
		code int
	}{
		{"status", []string{"sh", "-c", "exit 7"}, 7},
		{"SIGTERM", []string{"sh", "-c", "kill -TERM $$"}, 128 + 15},
		{"SIGKILL", []string{"sh", "-c", "kill -KILL $$"}, 128 + 9},
		{"not found", []string{"ramsso-no-such-command"}, 127},
		{"not executable", []string{notExec}, 126},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := w.run(append([]string{"exec", profile, "--"}, c.argv...)...)
			if r.code != c.code {
				t.Fatalf("exit %d, want %d (%s)", r.code, c.code, r.stderr)
			}
			if c.code >= 126 && c.code <= 127 && (strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, c.argv[0])) {
				t.Errorf("stderr %q: want one line naming the command", r.stderr)
			}
		})
	}
}

// TestExecServer runs the real credentials-go default chain as the child
// of exec --server: with config.json's current profile holding other keys,
// it must still get the session's keys, from a URI of its own.
func TestExecServer(t *testing.T) {
	w := newWorld(t)
	keys := w.assumeAdmin()
	profile := acct1 + "-admin"
	userConfig(t, w)
	exe, _ := os.Executable()
	t.Setenv("RAMSSO_CLI_TEST_SDK", "1")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI-PARENT")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "PARENT-SECRET")
	r := w.run("exec", "--server", profile, "--", exe)
	if r.code != 0 {
		t.Fatalf("exec --server: %d %s", r.code, r.stderr)
	}
	if want := keys["AccessKeyId"] + "|default/credential_uri|\n"; r.stdout != want {
		t.Fatalf("the SDK in the child got %q, want %q (no keys in its environment)", r.stdout, want)
	}
	// Each child has its own port and token, and serves only its profile.
	r1 := w.run("exec", "--server", profile, "--", "sh", "-c", `echo "$ALIBABA_CLOUD_CREDENTIALS_URI"`)
	r2 := w.run("exec", "--server", profile, "--", "sh", "-c", `echo "$ALIBABA_CLOUD_CREDENTIALS_URI"`)
	if r1.stdout == r2.stdout || !strings.HasPrefix(r1.stdout, "http://127.0.0.1:") || !strings.HasSuffix(strings.TrimSpace(r1.stdout), "/"+profile) {
		t.Fatalf("URIs %q %q", r1.stdout, r2.stdout)
	}
}
