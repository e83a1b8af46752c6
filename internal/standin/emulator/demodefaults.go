package emulator

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// DemoDefaults reads dir/emulator.json (as InitDemo writes it) and returns
// what a test IdP signing for that emulator needs: the Issuer the emulator
// trusts (the first provider's entity id) and a Role attribute value for
// every role, paired with the provider of its account. ok is false when
// dir holds no emulator.json; then the caller keeps its own defaults.
func DemoDefaults(dir string) (issuer string, roles []string, ok bool, err error) {
	path := filepath.Join(dir, DemoConfigFile)
	if _, serr := os.Stat(path); errors.Is(serr, fs.ErrNotExist) {
		return "", nil, false, nil
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		return "", nil, false, err
	}
	providerOf := map[string]string{} // account → provider ARN
	for _, p := range cfg.Providers {
		if issuer == "" {
			issuer = p.EntityID
		}
		if acct := arnAccount(p.Arn); acct != "" && providerOf[acct] == "" {
			providerOf[acct] = p.Arn
		}
	}
	for _, r := range cfg.Roles {
		if prov := providerOf[arnAccount(r.Arn)]; prov != "" {
			roles = append(roles, r.Arn+","+prov)
		}
	}
	return issuer, roles, true, nil
}

// arnAccount is the account id of acs:ram::<account>:...
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 5)
	if len(parts) < 5 {
		return ""
	}
	return parts[3]
}
