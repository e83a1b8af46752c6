package localapi

import (
	"strings"
	"testing"
)

func TestPipeName(t *testing.T) {
	key := homeKey("/home/me/.config/ramsso")
	secret := strings.Repeat("ab", 16)
	n := pipeName(key, secret)
	if !strings.HasPrefix(n, `\\.\pipe\ramsso-`+key+"-") || !validPipeName(n, key) {
		t.Fatalf("pipeName = %s", n)
	}
	for _, bad := range []string{pipeName(key, ""), pipeName(key, "short"), pipeName("other", secret), `\\.\pipe\evil`, pipeName(key, strings.Repeat("zz", 16))} {
		if validPipeName(bad, key) {
			t.Errorf("validPipeName(%s) = true", bad)
		}
	}
	if got := pipeSDDL("S-1-5-21-1"); got != "O:S-1-5-21-1D:P(A;;GA;;;S-1-5-21-1)" {
		t.Errorf("pipeSDDL = %s", got)
	}
	if !pipeOwnerOK("S-1-5-21-1", "s-1-5-21-1") || pipeOwnerOK("S-1-5-21-2", "S-1-5-21-1") || pipeOwnerOK("", "") {
		t.Error("pipeOwnerOK")
	}
}
