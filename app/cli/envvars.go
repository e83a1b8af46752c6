package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ramsso/ramsso/internal/shellquote"
	"github.com/ramsso/ramsso/internal/store"
)

// EnvExpiration is the session's expiry (RFC 3339, UTC) in env/exec. No
// Alibaba tool reads an expiry from the environment: credentials-go v1.4.14
// reads only ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET/SECURITY_TOKEN (its env and
// CLI-profile providers), and aliyun-cli's config/profile.go
// (eadd68d9) reads the same keys, a region and endpoints, no expiry. So the
// name is ramsso's own, for prompts and scripts (like aws-vault's
// AWS_CREDENTIAL_EXPIRATION).
const EnvExpiration = "RAMSSO_EXPIRATION"

// envVar is one environment variable ramsso hands to tools.
type envVar struct{ Name, Value string }

// sessionRegion is the region outputs give s (config.Effective.RegionFor).
func sessionRegion(app *App, s *store.Session) string {
	eff, _ := app.Effective()
	return eff.RegionFor(s.Region)
}

// envVars are the variables the SDKs, the aliyun CLI and Terraform's
// alicloud provider read, in a fixed order; region "" leaves the region
// variables out.
func envVars(s *store.Session, region string) []envVar {
	c := s.Credentials
	vars := []envVar{
		{"ALIBABA_CLOUD_ACCESS_KEY_ID", c.AccessKeyID},
		{"ALIBABA_CLOUD_ACCESS_KEY_SECRET", c.AccessKeySecret},
		{"ALIBABA_CLOUD_SECURITY_TOKEN", c.SecurityToken},
	}
	if region != "" {
		vars = append(vars, envVar{"ALIBABA_CLOUD_REGION_ID", region})
	}
	vars = append(vars,
		envVar{"ALICLOUD_ACCESS_KEY", c.AccessKeyID},
		envVar{"ALICLOUD_SECRET_KEY", c.AccessKeySecret},
		envVar{"ALICLOUD_SECURITY_TOKEN", c.SecurityToken},
	)
	if region != "" {
		vars = append(vars, envVar{"ALICLOUD_REGION", region})
	}
	if !s.Expiration.IsZero() {
		vars = append(vars, envVar{EnvExpiration, s.Expiration.UTC().Format(time.RFC3339)})
	}
	return vars
}

// envFormats are the --format values of `ramsso env`.
var envFormats = []string{"sh", "fish", "powershell", "dotenv", "json"}

// writeEnv prints vars in the given shell's syntax.
func writeEnv(w io.Writer, format string, vars []envVar) error {
	switch format {
	case "json":
		m := make(map[string]string, len(vars))
		for _, v := range vars {
			m[v.Name] = v.Value
		}
		return writeJSON(w, m)
	case "sh", "bash", "zsh", "", "fish", "powershell", "pwsh":
		// Each shell's own quoting: fish's and PowerShell's single quotes
		// are not POSIX's.
		for _, v := range vars {
			line, _ := shellquote.Assignment(format, v.Name, v.Value)
			fmt.Fprintln(w, line)
		}
	case "dotenv":
		for _, v := range vars {
			b, _ := json.Marshal(v.Value) // double-quoted with escapes, as dotenv readers expect
			fmt.Fprintf(w, "%s=%s\n", v.Name, b)
		}
	default:
		return fmt.Errorf("format %q: use one of %s", format, strings.Join(envFormats, ", "))
	}
	return nil
}
