package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aliyun/credentials-go/credentials/providers"
)

// BenchmarkCredentialsGoExternal: credentials-go resolving an aliyun CLI
// External profile written by configure-cli, i.e. one `ramsso process`
// run (this test binary acting as ramsso) plus credentials-go's own
// config.json read and write-back, per iteration.
func BenchmarkCredentialsGoExternal(b *testing.B) {
	w := newWorld(b)
	w.assumeAdmin()
	if r := w.run("configure-cli"); r.code != 0 {
		b.Fatalf("configure-cli: %s", r.stderr)
	}
	b.Setenv("HOME", w.env["HOME"])
	b.Setenv("ALIBABA_CLOUD_CONFIG_FILE", "")
	b.Setenv("ALIBABA_CLOUD_PROFILE", acct1+"-admin")
	b.Setenv("RAMSSO_CLI_TEST_MAIN", "1")
	for k, v := range w.env {
		if k != "HOME" {
			b.Setenv(k, v)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := providers.NewCLIProfileCredentialsProviderBuilder().Build()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.GetCredentials(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCredentialsGoURI: credentials-go resolving through
// ALIBABA_CLOUD_CREDENTIALS_URI from ramsso serve, a fresh provider (so a
// fresh request) per iteration.
func BenchmarkCredentialsGoURI(b *testing.B) {
	w := newWorld(b)
	w.assumeAdmin()
	st := w.startServe(0)
	b.Setenv("HOME", filepath.Join(w.workdir, "nohome"))
	uri := st.URL(acct1 + "-admin")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := providers.NewURLCredentialsProviderBuilder().WithUrl(uri).Build()
		if err != nil {
			b.Fatal(err)
		}
		c, err := p.GetCredentials()
		if err != nil || !strings.HasPrefix(c.AccessKeyId, "STS.") {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	_ = os.Remove(filepath.Join(w.workdir, "nohome"))
}
