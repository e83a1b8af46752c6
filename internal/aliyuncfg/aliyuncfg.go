// Package aliyuncfg edits the aliyun CLI's configuration file
// (~/.aliyun/config.json, or $ALIBABA_CLOUD_CONFIG_FILE) in place: it
// upserts the profiles ramsso manages and keeps everything else — other
// profiles, unknown keys at every level, key order, "current" and
// "meta_path" — as it was. Writes are atomic (temporary file, fsync,
// rename) and locked against other writers, including credentials-go,
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
	"strings"
	"time"

	"github.com/ramsso/ramsso/internal/config"
)

// EnvConfigFile overrides the config file's path, as for the aliyun CLI
// and credentials-go.
const EnvConfigFile = "ALIBABA_CLOUD_CONFIG_FILE"

// Modes ramsso writes.
const (
	ModeExternal = "External"
	ModeStsToken = "StsToken"
)

// DefaultLockWait bounds the wait for another writer.
const DefaultLockWait = 10 * time.Second

// Path returns the config file's path: $ALIBABA_CLOUD_CONFIG_FILE, else
// $HOME/.aliyun/config.json (the home directory as the aliyun CLI finds it).
// getenv may be nil (os.Getenv).
func Path(getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if p := strings.TrimSpace(getenv(EnvConfigFile)); p != "" {
		return filepath.Abs(p)
	}
	home := getenv("HOME")
	if home == "" {
		home = getenv("USERPROFILE")
	}
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("finding the aliyun CLI config (set %s): %w", EnvConfigFile, err)
		}
		home = h
	}
	return filepath.Join(home, ".aliyun", "config.json"), nil
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
}

// Result says what Upsert did to one profile.
type Result struct {
	Name    string
	Created bool   // false: an existing profile was updated
	Region  string // the region_id the profile has now
}

// Edit is the file as parsed: the top-level object and each profile as an
// ordered list of keys with their raw values, so nothing ramsso does not
// touch changes meaning.
type Edit struct {
	top      *object
	profiles []*object
	indent   string
	newFile  bool
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
// in place (its other keys kept), a new one is appended. "current" is set
// only when the file has none.
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
	if e.Current() == "" {
		e.top.set("current", p.Name)
	}
	return res, nil
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
// (a missing file is new), lets fn change it and writes it atomically,
// keeping the file's mode (0600 for a new file). When fn or parsing fails,
// the file is left untouched.
func Update(ctx context.Context, path string, fn func(*Edit) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("aliyun CLI config directory: %w", err)
	}
	unlock, err := lock(ctx, path, DefaultLockWait)
	if err != nil {
		return err
	}
	defer unlock()
	defer func() {
		// The lock created a missing file: never leave it empty.
		if fi, serr := os.Stat(path); serr == nil && fi.Size() == 0 {
			_ = os.Remove(path)
		}
	}()
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("reading aliyun CLI config: %w", err)
	}
	perm := fs.FileMode(0o600)
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
		perm = fi.Mode().Perm()
	}
	e, err := Parse(path, data)
	if err != nil {
		return err
	}
	if err := fn(e); err != nil {
		return err
	}
	out, err := e.Bytes()
	if err != nil {
		return err
	}
	if bytes.Equal(out, data) {
		return nil
	}
	if err := config.WriteFileAtomic(path, out, perm); err != nil {
		return fmt.Errorf("aliyun CLI config: %w", err)
	}
	return nil
}

// Upsert writes profiles into the file at path (see Edit.Upsert).
func Upsert(ctx context.Context, path string, profiles ...Profile) ([]Result, error) {
	var res []Result
	err := Update(ctx, path, func(e *Edit) error {
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
