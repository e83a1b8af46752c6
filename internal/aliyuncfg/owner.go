package aliyuncfg

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// IsRamssoProfile reports whether a profile with this mode and
// process_command is one ramsso wrote: External mode running a binary named
// ramsso (ramsso.exe) with "process". Only these two fields are used because
// they are the ones that survive credentials-go rewriting config.json
// through its own struct (it drops every key it does not know, so a marker
// of ramsso's own would vanish).
func IsRamssoProfile(mode, processCommand string) bool {
	if !strings.EqualFold(mode, ModeExternal) {
		return false
	}
	f := strings.Fields(processCommand)
	if len(f) < 3 || f[1] != "process" {
		return false
	}
	exe := f[0]
	if i := strings.LastIndexAny(exe, `/\`); i >= 0 {
		exe = exe[i+1:]
	}
	if len(exe) > 4 && strings.EqualFold(exe[len(exe)-4:], ".exe") {
		exe = exe[:len(exe)-4]
	}
	return exe == "ramsso"
}

// ForeignProfileError is returned when a profile of the asked name exists
// and ramsso did not write it: ramsso leaves it alone unless told to
// replace it (Profile.Force).
type ForeignProfileError struct {
	Path, Name, Mode string
}

func (e *ForeignProfileError) Error() string {
	mode := e.Mode
	if mode == "" {
		mode = "no mode"
	}
	return fmt.Sprintf("aliyun CLI profile %q in %s was not written by ramsso (mode %s), so ramsso leaves it alone: "+
		"pick another name with ramsso configure-cli PROFILE --name NEW, or replace it with --force (a 0600 backup of the file is written first)",
		e.Name, e.Path, mode)
}

// backupName is the backup file written beside path before a foreign
// profile is replaced: path + ".ramsso-backup-" + UTC time.
func backupName(path string, now time.Time) string {
	return path + ".ramsso-backup-" + now.UTC().Format("20060102T150405.000000000Z")
}

// writeBackup copies data to a new owner-only file beside path and returns
// its name. It never overwrites an existing file.
func writeBackup(path string, data []byte, now time.Time) (string, error) {
	name := backupName(path, now)
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("backing up %s before replacing a profile: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(name)
		return "", fmt.Errorf("backing up %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(name)
		return "", fmt.Errorf("backing up %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("backing up %s: %w", path, err)
	}
	return name, nil
}

// resolveTarget follows a symlinked config.json (dotfiles managers link
// ~/.aliyun/config.json into a repository) to the file it names, so writes
// replace the target atomically and leave the link itself in place. A
// dangling link resolves to its (absolute) destination; a missing file is
// path itself.
func resolveTarget(path string) (string, error) {
	for i := 0; i < 40; i++ {
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			return path, nil
		}
		dest, err := os.Readlink(path)
		if err != nil {
			return "", fmt.Errorf("reading the link %s: %w", path, err)
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(path), dest)
		}
		path = dest
	}
	return "", fmt.Errorf("%s: too many levels of symbolic links", path)
}

// CLIConfigPath is the file the aliyun CLI reads: it ignores
// ALIBABA_CLOUD_CONFIG_FILE (only its --config-path flag moves it) and
// finds home as HOMEDRIVE+HOMEPATH, then USERPROFILE on Windows, HOME
// elsewhere (aliyun/aliyun-cli config/configuration.go, GetHomePath and
// getConfigurePath, at commit eadd68d9a13dd0734a2236e2c70e38f4888ae65f).
// "" when that home is not set.
func CLIConfigPath(goos string, getenv func(string) string) string {
	var home string
	if goos == "windows" {
		home = getenv("HOMEDRIVE") + getenv("HOMEPATH")
		if home == "" {
			home = getenv("USERPROFILE")
		}
	} else {
		home = getenv("HOME")
	}
	if home == "" {
		return ""
	}
	return joinFor(goos, home, ".aliyun", "config.json")
}

// SDKConfigPath is the file credentials-go (under every Alibaba Cloud SDK)
// reads: ALIBABA_CLOUD_CONFIG_FILE when set, else home/.aliyun/config.json
// with home USERPROFILE on Windows and HOME elsewhere
// (credentials-go v1.4.14 credentials/providers/cli_profile.go Build and
// credentials/internal/utils/path.go GetHomePath). "" when unknown.
func SDKConfigPath(goos string, getenv func(string) string) string {
	if p := getenv(EnvConfigFile); p != "" {
		return p
	}
	home := getenv("HOME")
	if goos == "windows" {
		home = getenv("USERPROFILE")
	}
	if home == "" {
		return ""
	}
	return joinFor(goos, home, ".aliyun", "config.json")
}

// joinFor joins path elements with goos's separator (pure: the result does
// not depend on the OS the test runs on).
func joinFor(goos string, elem ...string) string {
	sep := "/"
	if goos == "windows" {
		sep = `\`
	}
	out := strings.TrimRight(elem[0], `/\`)
	for _, e := range elem[1:] {
		out += sep + e
	}
	return out
}
