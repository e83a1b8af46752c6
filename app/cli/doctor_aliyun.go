package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strings"

	"github.com/ramsso/ramsso/internal/aliyuncfg"
)

// aliyunProfile is the part of an aliyun CLI profile doctor reads.
type aliyunProfile struct {
	Name            string `json:"name"`
	Mode            string `json:"mode"`
	ProcessCommand  string `json:"process_command"`
	AccessKeyID     string `json:"access_key_id"`
	AccessKeySecret string `json:"access_key_secret"`
	STSToken        string `json:"sts_token"`
}

func (d *doctor) checkAliyunConfig() {
	path := aliyuncfg.CLIConfigPath(runtime.GOOS, d.app.getenv)
	if path == "" {
		home, _ := os.UserHomeDir()
		path = aliyuncfg.CLIConfigPath(runtime.GOOS, func(k string) string {
			if k == "HOME" || k == "USERPROFILE" {
				return home
			}
			return ""
		})
	}
	// The aliyun CLI and credentials-go do not always read the same file.
	if sdk := aliyuncfg.SDKConfigPath(runtime.GOOS, d.app.getenv); sdk != "" && sdk != path {
		d.add("aliyun config", CheckWarn,
			fmt.Sprintf("the aliyun CLI reads %s but the SDKs (credentials-go) read %s: ramsso configure-cli writes the CLI's file", path, sdk),
			"unset ALIBABA_CLOUD_CONFIG_FILE unless you mean the SDKs to read another file (on Windows: HOMEDRIVE+HOMEPATH and USERPROFILE differ)")
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		d.add("aliyun config", CheckOK, "no "+path+" (run `ramsso configure-cli` to set up aliyun CLI profiles)", "")
		return
	}
	if err != nil {
		d.add("aliyun config", CheckWarn, err.Error(), "check the file's permissions")
		return
	}
	var cfg struct {
		Current  string          `json:"current"`
		Profiles []aliyunProfile `json:"profiles"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		d.add("aliyun config", CheckWarn, path+" is not valid JSON: "+err.Error(), "fix or recreate it with `aliyun configure`")
		return
	}
	// credentials-go's default chain reads config.json's current profile
	// before ALIBABA_CLOUD_CREDENTIALS_URI: an SDK in this shell would
	// silently use that profile instead of ramsso serve.
	if d.app.getenv("ALIBABA_CLOUD_CREDENTIALS_URI") != "" && cfg.Current != "" && len(cfg.Profiles) > 0 &&
		!strings.EqualFold(d.app.getenv("ALIBABA_CLOUD_CLI_PROFILE_DISABLED"), "true") {
		d.add("sdk credentials", CheckWarn,
			fmt.Sprintf("ALIBABA_CLOUD_CREDENTIALS_URI is set, but the SDKs' default credential chain reads %s (current profile %q) before it", path, cfg.Current),
			"export ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true, or have the program ask credentials-go for type credentials_uri")
	}
	secret := false
	found := false
	for _, p := range cfg.Profiles {
		if p.AccessKeySecret != "" || p.STSToken != "" {
			secret = true
		}
		if !aliyuncfg.IsRamssoProfile(p.Mode, p.ProcessCommand) {
			continue
		}
		found = true
		sdkHint := "for SDKs and Terraform use `ramsso exec --server PROFILE -- CMD`, `ramsso exec PROFILE -- CMD` or `ramsso serve` instead of this profile"
		if p.Name == cfg.Current {
			d.add("aliyun config", CheckFail,
				fmt.Sprintf("profile %q runs ramsso (External) and is %s's current profile: every SDK using credentials-go's default chain runs it and writes plaintext keys into the file", p.Name, path),
				"make another profile current (aliyun configure set --profile NAME ...) or remove \"current\"; ramsso sets it only with configure-cli --set-current")
		}
		if p.AccessKeyID != "" || p.AccessKeySecret != "" || p.STSToken != "" {
			d.add("aliyun config", CheckFail,
				fmt.Sprintf("profile %q runs ramsso (External) but holds keys in %s: credentials-go (the SDKs) wrote them back", p.Name, path),
				"remove access_key_id, access_key_secret and sts_token from that profile (or rerun `ramsso configure-cli`); "+sdkHint)
			continue
		}
		d.add("aliyun config", CheckWarn,
			fmt.Sprintf("profile %q runs ramsso (External): fine for the aliyun CLI, but SDKs using credentials-go will write the keys into %s", p.Name, path),
			sdkHint)
		if strings.Contains(strings.TrimSpace(strings.SplitN(p.ProcessCommand, " process", 2)[0]), " ") {
			d.add("aliyun config", CheckWarn, fmt.Sprintf("profile %q: process_command's path contains spaces; older readers split it", p.Name),
				"move ramsso to a path without spaces and rerun `ramsso configure-cli`")
		}
	}
	if fi, err := os.Stat(path); err == nil && secret && runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		d.add("aliyun config", CheckFail, fmt.Sprintf("%s holds keys and is readable by other users (mode %04o)", path, fi.Mode().Perm()),
			"chmod 600 "+path)
	}
	if !found {
		d.add("aliyun config", CheckOK, path+" has no External profile running ramsso (ramsso changes only profiles it wrote itself)", "")
	}
}
