// Package aliyuncfg edits the aliyun CLI's configuration file
// (~/.aliyun/config.json, the one file the CLI reads) in place: it
// upserts the profiles ramsso owns and keeps everything else — other
// profiles, unknown keys at every level, key order, "current" and
// "meta_path" — as it was. A profile of the same name that ramsso did not
// write is refused (or, when forced, replaced after a backup). Writes are
// atomic (temporary file, fsync, rename onto the file, or onto a symlink's
// target so the link stays), leave the file 0600 whenever it holds a
// secret, and are locked against other writers, including credentials-go,
// which flocks config.json itself.
package aliyuncfg

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/ramsso/ramsso/internal/config"
)

// EnvConfigFile moves the file credentials-go reads (not the aliyun CLI's:
// see CLIConfigPath and SDKConfigPath).
const EnvConfigFile = "ALIBABA_CLOUD_CONFIG_FILE"

// Modes ramsso writes.
const (
	ModeExternal = "External"
	ModeStsToken = "StsToken"
)

// DefaultLockWait bounds the wait for another writer.
const DefaultLockWait = 10 * time.Second

// Path returns the file the aliyun CLI reads, which is the one ramsso
// writes (CLIConfigPath for this OS; the CLI ignores
// ALIBABA_CLOUD_CONFIG_FILE). getenv may be nil (os.Getenv).
func Path(getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if p := CLIConfigPath(runtime.GOOS, getenv); p != "" {
		return filepath.Abs(p)
	}
	h, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the aliyun CLI config (set HOME): %w", err)
	}
	return filepath.Join(h, ".aliyun", "config.json"), nil
}

// Profile is what ramsso sets in one aliyun CLI profile. Empty fields are
// not written (RegionID empty keeps the existing value).
type Profile struct {
	Name string
	Mode string // ModeExternal or ModeStsToken
	// RegionID, when set, is written whatever the profile had.
	RegionID string
	// DefaultRegion is written only when the profile has no region_id.
	DefaultRegion   string
	ProcessCommand  string // External
	AccessKeyID     string // StsToken
	AccessKeySecret string // StsToken
	STSToken        string // StsToken
	// KnownKeyID is the access_key_id ramsso last wrote into this StsToken
	// profile (from its ledger): a profile still holding it is ramsso's.
	KnownKeyID string
	// Self is this ramsso binary's absolute path: an External profile
	// running "Self process ..." is ramsso's whatever the binary is named.
	Self string
	// SetCurrent makes the profile the file's "current" one; otherwise
	// "current" is never touched (an External profile that is current is
	// run by every SDK's default chain, which writes the keys back).
	SetCurrent bool
	// Force replaces a same-named profile ramsso did not write, after a
	// 0600 backup of the whole file beside it.
	Force bool
}

// Result says what Upsert did to one profile.
type Result struct {
	Name    string
	Created bool   // false: an existing profile was updated
	Region  string // the region_id the profile has now
	// Replaced: a profile ramsso did not write was replaced (Force).
	Replaced bool
	// Backup is the backup written before the write ("" when none).
	Backup string
	// Tightened is the file's mode before ramsso made it 0600 because it
	// now holds a secret (0 when unchanged).
	Tightened fs.FileMode
	// File is the file actually written (a symlink's target).
	File string
}

// Edit is the file as parsed: the top-level object and each profile as an
// ordered list of keys with their raw values, so nothing ramsso does not
// touch changes meaning.
type Edit struct {
	top      *object
	profiles []*object
	indent   string
	newFile  bool
	path     string
	// backup: a foreign profile is being replaced; secret: the file now
	// holds a key.
	backup, secret bool
}

// keys ramsso removes when it switches a profile's mode, so no stale
// secret stays behind an External profile and no process_command behind a
// plaintext one.
var (
	secretKeys  = []string{"access_key_id", "access_key_secret", "sts_token"}
	processKeys = []string{"process_command"}
)

// Parse reads config.json content. Empty or whitespace-only data is a new
// file. A malformed file gives an error "path:line:col: message".
func Parse(path string, data []byte) (*Edit, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return &Edit{top: &object{}, indent: "\t", newFile: true}, nil
	}
	var probe any
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, syntaxError(path, data, err)
	}
	top, err := parseObject(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	e := &Edit{top: top, indent: detectIndent(data)}
	if raw, ok := top.get("profiles"); ok && string(bytes.TrimSpace(raw)) != "null" {
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("%s: \"profiles\" is not a list: fix or move the file aside", path)
		}
		for i, p := range list {
			o, err := parseObject(p)
			if err != nil {
				return nil, fmt.Errorf("%s: profile #%d is not an object: fix or move the file aside", path, i+1)
			}
			e.profiles = append(e.profiles, o)
		}
	}
	return e, nil
}

// Names lists the profile names in file order.
func (e *Edit) Names() []string {
	var out []string
	for _, p := range e.profiles {
		out = append(out, p.str("name"))
	}
	return out
}

// Current is the "current" profile name ("" when absent).
func (e *Edit) Current() string { return e.top.str("current") }

// Upsert sets p in the file: an existing profile of that name is updated
// in place (its other keys kept), a new one is appended. A profile ramsso
// did not write (IsRamssoProfile, or an StsToken profile still holding
// p.KnownKeyID) is a *ForeignProfileError unless p.Force. "current" is
// set only with p.SetCurrent.
func (e *Edit) Upsert(p Profile) (Result, error) {
	if p.Name == "" {
		return Result{}, errors.New("aliyun CLI profile needs a name")
	}
	var o *object
	for _, q := range e.profiles {
		if q.str("name") == p.Name {
			o = q
			break
		}
	}
	res := Result{Name: p.Name, Created: o == nil}
	if o != nil && !e.owned(o, p) {
		if !p.Force {
			return Result{}, &ForeignProfileError{Path: e.path, Name: p.Name, Mode: o.str("mode")}
		}
		res.Replaced, e.backup = true, true
	}
	if o == nil {
		o = &object{}
		o.set("name", p.Name)
		e.profiles = append(e.profiles, o)
	}
	o.set("mode", p.Mode)
	switch p.Mode {
	case ModeExternal:
		o.set("process_command", p.ProcessCommand)
		o.del(secretKeys...)
	case ModeStsToken:
		o.set("access_key_id", p.AccessKeyID)
		o.set("access_key_secret", p.AccessKeySecret)
		o.set("sts_token", p.STSToken)
		o.del(processKeys...)
		e.secret = true
	default:
		return Result{}, fmt.Errorf("aliyun CLI profile %s: unsupported mode %q", p.Name, p.Mode)
	}
	switch {
	case p.RegionID != "":
		o.set("region_id", p.RegionID)
	case o.str("region_id") == "" && p.DefaultRegion != "":
		o.set("region_id", p.DefaultRegion)
	}
	res.Region = o.str("region_id")
	if p.SetCurrent {
		e.top.set("current", p.Name)
	}
	return res, nil
}

// owned reports whether the existing profile o is ramsso's to change.
func (e *Edit) owned(o *object, p Profile) bool {
	if IsRamssoProfile(o.str("mode"), o.str("process_command")) {
		return true
	}
	if f := strings.Fields(o.str("process_command")); p.Self != "" && len(f) >= 3 && f[0] == p.Self && f[1] == "process" &&
		strings.EqualFold(o.str("mode"), ModeExternal) {
		return true
	}
	return p.KnownKeyID != "" && strings.EqualFold(o.str("mode"), ModeStsToken) &&
		o.str("access_key_id") == p.KnownKeyID && o.str("process_command") == ""
}

// HoldsSecret reports whether any profile in the file holds a key.
func (e *Edit) HoldsSecret() bool {
	for _, p := range e.profiles {
		for _, k := range []string{"access_key_secret", "sts_token", "private_key"} {
			if p.str(k) != "" {
				return true
			}
		}
	}
	return false
}

// Bytes encodes the file: keys in their original order, values as they
// were (re-indented with the file's own indent; tab for a new file, as the
// aliyun CLI writes).
func (e *Edit) Bytes() ([]byte, error) {
	top := e.top.clone()
	var list bytes.Buffer
	list.WriteByte('[')
	for i, p := range e.profiles {
		if i > 0 {
			list.WriteByte(',')
		}
		list.Write(p.compact())
	}
	list.WriteByte(']')
	top.setRaw("profiles", list.Bytes())
	if _, ok := top.get("meta_path"); e.newFile && !ok {
		top.set("meta_path", "")
	}
	var out bytes.Buffer
	if err := json.Indent(&out, top.compact(), "", e.indent); err != nil {
		return nil, fmt.Errorf("encoding aliyun CLI config: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// Update edits the file at path under its lock: it reads and parses it
// (a missing file is new), lets fn change it and writes it atomically.
// A symlinked path is written through: the temporary file is made in the
// target's directory and renamed onto the target, so the link stays. The
// file keeps its mode (0600 for a new file) unless it now holds a secret
// and others could read it: then it becomes 0600. When fn or parsing
// fails, the file is left untouched.
func Update(ctx context.Context, path string, fn func(*Edit) error) (WriteInfo, error) {
	target, err := resolveTarget(path)
	if err != nil {
		return WriteInfo{}, err
	}
	info := WriteInfo{File: target}
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return info, fmt.Errorf("aliyun CLI config directory: %w", err)
	}
	unlock, err := lock(ctx, target, DefaultLockWait)
	if err != nil {
		return info, err
	}
	defer unlock()
	defer func() {
		// The lock created a missing file: never leave it empty.
		if fi, serr := os.Stat(target); serr == nil && fi.Size() == 0 {
			_ = os.Remove(target)
		}
	}()
	data, err := os.ReadFile(target)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return info, fmt.Errorf("reading aliyun CLI config: %w", err)
	}
	perm := fs.FileMode(0o600)
	if fi, err := os.Stat(target); err == nil && fi.Size() > 0 {
		perm = fi.Mode().Perm()
	}
	e, err := Parse(path, data)
	if err != nil {
		return info, err
	}
	e.path = path
	if err := fn(e); err != nil {
		return info, err
	}
	out, err := e.Bytes()
	if err != nil {
		return info, err
	}
	if (e.secret || e.HoldsSecret()) && perm&0o077 != 0 {
		info.Tightened, perm = perm, 0o600
	}
	if bytes.Equal(out, data) && info.Tightened == 0 {
		return info, nil
	}
	if e.backup && len(data) > 0 {
		if info.Backup, err = writeBackup(target, data, time.Now()); err != nil {
			return info, err
		}
	}
	if err := config.WriteFileAtomic(target, out, perm); err != nil {
		return info, fmt.Errorf("aliyun CLI config: %w", err)
	}
	return info, nil
}

// WriteInfo says what Update wrote.
type WriteInfo struct {
	File      string      // the file written (a symlink's target)
	Backup    string      // the backup made before replacing a foreign profile
	Tightened fs.FileMode // the mode before it became 0600 (0: unchanged)
}

// Upsert writes profiles into the file at path (see Edit.Upsert).
func Upsert(ctx context.Context, path string, profiles ...Profile) ([]Result, error) {
	var res []Result
	info, err := Update(ctx, path, func(e *Edit) error {
		res = res[:0]
		for _, p := range profiles {
			r, err := e.Upsert(p)
			if err != nil {
				return err
			}
			res = append(res, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range res {
		res[i].Backup, res[i].Tightened, res[i].File = info.Backup, info.Tightened, info.File
	}
	return res, nil
}

// Read parses the file at path (a missing file gives an empty Edit).
func Read(path string) (*Edit, error) {
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading aliyun CLI config: %w", err)
	}
	return Parse(path, data)
}

// ProfileMode returns the mode and process_command of the named profile
// ("" when absent).
func (e *Edit) ProfileMode(name string) (mode, processCommand string) {
	for _, q := range e.profiles {
		if q.str("name") == name {
			return q.str("mode"), q.str("process_command")
		}
	}
	return "", ""
}

func syntaxError(path string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	off := int64(-1)
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 {
		return fmt.Errorf("%s: not valid JSON (%v): fix it or move it aside; ramsso left it untouched", path, err)
	}
	line, col := 1, 1
	for i := int64(0); i < off-1 && i < int64(len(data)); i++ {
		if data[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return fmt.Errorf("%s:%d:%d: not valid JSON (%v): fix it or move it aside; ramsso left it untouched", path, line, col, err)
}

// detectIndent returns the whitespace that indents the file's first
// indented line, "\t" when none.
func detectIndent(data []byte) string {
	for _, line := range bytes.Split(data, []byte("\n")) {
		n := 0
		for n < len(line) && (line[n] == ' ' || line[n] == '\t') {
			n++
		}
		if n > 0 && n < len(line) {
			return string(line[:n])
		}
	}
	return "\t"
}
