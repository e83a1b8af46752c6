package aliyuncfg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"unicode"

	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/store"
)

// Options tell ConfigureProfile where things are.
type Options struct {
	// Path is config.json; "" uses Path(os.Getenv).
	Path string
	// Exe is the absolute path of the ramsso CLI; "" uses RamssoPath().
	Exe string
	// Region is the fallback region (the "region" setting) for a profile
	// that has none and a session that does not know its region.
	Region string
	// Plaintext writes an StsToken profile holding the session's keys
	// instead of an External one that runs `ramsso process`.
	Plaintext bool
	// Name is the aliyun CLI profile's name ("" : the ramsso profile's).
	Name string
	// SetCurrent makes it the file's current profile.
	SetCurrent bool
	// Force replaces a same-named profile ramsso did not write (after a
	// backup).
	Force bool
	// Home is RAMSSO_HOME, where the ledger of plaintext profiles lives
	// (the key id ramsso wrote into each, which is how a later run knows
	// the profile is still its own). "" : no ledger.
	Home string
}

// SiteDefaultRegion is the region a new profile gets when nothing else
// says: the aliyun CLI refuses a profile without region_id.
func SiteDefaultRegion(site string) string {
	if site == "international" {
		return "ap-southeast-1"
	}
	return "cn-hangzhou"
}

// RamssoPath returns the absolute path of the ramsso CLI: this executable,
// or its sibling "ramsso" when called from ramsso-host or ramsso-tray.
func RamssoPath() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding the ramsso executable: %w", err)
	}
	base := strings.TrimSuffix(filepath.Base(exe), ".exe")
	if base == "ramsso-host" || base == "ramsso-tray" {
		name := "ramsso"
		if runtime.GOOS == "windows" {
			name += ".exe"
		}
		exe = filepath.Join(filepath.Dir(exe), name)
	}
	return filepath.Abs(exe)
}

// ProcessCommand returns the process_command for profile: `EXE process
// PROFILE`. Older readers split the command on whitespace, so a path or
// profile with a space is an error naming the fix.
func ProcessCommand(exe, profile string) (string, error) {
	if !filepath.IsAbs(exe) {
		return "", fmt.Errorf("ramsso path %q is not absolute", exe)
	}
	if strings.IndexFunc(exe, unicode.IsSpace) >= 0 {
		return "", fmt.Errorf("ramsso is installed at %q, a path with a space, which the aliyun CLI and credentials-go split apart: install ramsso to a path without spaces (e.g. ~/.local/bin) and run ramsso configure-cli again", exe)
	}
	if profile == "" || strings.IndexFunc(profile, unicode.IsSpace) >= 0 {
		return "", fmt.Errorf("profile name %q cannot be used in a process_command (empty or has spaces)", profile)
	}
	return exe + " process " + profile, nil
}

// ConfigureProfile writes (upserts) the aliyun CLI profile for a session:
// External mode running `ramsso process PROFILE`, or with o.Plaintext
// StsToken mode with the session's keys (s.Credentials must be set). The
// profile's region is the session's, else the one it has, else o.Region,
// else the site's default. It is what `ramsso configure-cli` runs, and
// what the host calls on each new session when the configureCli setting
// is on.
func ConfigureProfile(ctx context.Context, s store.Session, o Options) (Result, error) {
	path := o.Path
	if path == "" {
		p, err := Path(nil)
		if err != nil {
			return Result{}, err
		}
		path = p
	}
	name := o.Name
	if name == "" {
		name = s.Profile
	}
	if strings.IndexFunc(name, unicode.IsSpace) >= 0 {
		return Result{}, fmt.Errorf("aliyun CLI profile name %q has a space: pick another with --name", name)
	}
	p := Profile{Name: name, RegionID: s.Region, DefaultRegion: o.Region, SetCurrent: o.SetCurrent, Force: o.Force}
	target, err := resolveTarget(path)
	if err != nil {
		return Result{}, err
	}
	p.KnownKeyID = ledgerGet(o.Home, target, name)
	if p.DefaultRegion == "" {
		p.DefaultRegion = SiteDefaultRegion(s.Site)
	}
	if o.Plaintext {
		c := s.Credentials
		if c.AccessKeyID == "" || c.AccessKeySecret == "" || c.SecurityToken == "" {
			return Result{}, errors.New("aliyun CLI plaintext profile needs the session's keys")
		}
		p.Mode = ModeStsToken
		p.AccessKeyID, p.AccessKeySecret, p.STSToken = c.AccessKeyID, c.AccessKeySecret, c.SecurityToken
	}
	exe := o.Exe
	if exe == "" {
		e, err := RamssoPath()
		if err != nil {
			return Result{}, err
		}
		exe = e
	}
	p.Self = exe
	if !o.Plaintext {
		cmd, err := ProcessCommand(exe, s.Profile)
		if err != nil {
			return Result{}, err
		}
		p.Mode, p.ProcessCommand = ModeExternal, cmd
	}
	res, err := Upsert(ctx, path, p)
	if err != nil {
		return Result{}, err
	}
	if o.Plaintext {
		if err := ledgerPut(o.Home, target, name, p.AccessKeyID); err != nil {
			return res[0], err
		}
	}
	return res[0], nil
}

// ledgerFile is where ramsso records the key id it wrote into each
// plaintext profile (no secret: an AccessKey ID identifies, it does not
// authenticate).
const ledgerFile = "aliyun-plaintext.json"

func ledgerRead(home string) map[string]map[string]string {
	m := map[string]map[string]string{}
	if home == "" {
		return m
	}
	b, err := config.ReadStateFile(filepath.Join(home, ledgerFile))
	if err == nil {
		_ = json.Unmarshal(b, &m) // a damaged ledger only means "not known"
	}
	if m == nil {
		m = map[string]map[string]string{}
	}
	return m
}

func ledgerGet(home, file, name string) string {
	return ledgerRead(home)[file][name]
}

func ledgerPut(home, file, name, keyID string) error {
	if home == "" {
		return nil
	}
	m := ledgerRead(home)
	if m[file] == nil {
		m[file] = map[string]string{}
	}
	m[file][name] = keyID
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := config.WriteFileAtomic(filepath.Join(home, ledgerFile), b, 0o600); err != nil {
		return fmt.Errorf("recording the plaintext profile %s: %w", name, err)
	}
	return nil
}
