package config

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Defaults for settings left empty.
const (
	DefaultDuration          = 3600 * time.Second
	DefaultConsoleChoiceWait = 90 * time.Second
	DefaultClipboardTimeout  = 30 * time.Second
	DefaultStore             = "keyring"
)

// settingsLock is the lock file that serialises writers of settings.json.
const settingsLock = "settings.lock"

// Path returns the settings file's path under home.
func Path(home string) string { return filepath.Join(home, SettingsFile) }

// Load reads home/settings.json. A missing (or blank) file gives the
// defaults; a malformed one gives one line naming the file, the line and
// column, what is wrong and what to do.
func Load(home string) (*Settings, error) {
	path := Path(home)
	if err := CheckOwned("ramsso home", home); err != nil {
		return nil, err
	}
	data, err := ReadStateFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Settings{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("settings %s: %w", path, err)
	}
	return parse(path, data)
}

// parse decodes settings data read from path.
func parse(path string, data []byte) (*Settings, error) {
	s := &Settings{}
	// Notepad and PowerShell's `Out-File -Encoding utf8` start the file
	// with a UTF-8 byte order mark, which JSON does not allow: drop it.
	data = bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return nil, fmt.Errorf("settings %s is saved as UTF-16: save it as UTF-8 (in PowerShell: Out-File -Encoding utf8) or delete it", path)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return s, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, decodeError(path, data, err)
	}
	if raw == nil { // the file says "null"
		return nil, fmt.Errorf("settings %s:1:1: expected a JSON object {...}: fix or delete the file", path)
	}
	if err := json.Unmarshal(data, s); err != nil {
		return nil, decodeError(path, data, err)
	}
	s.raw = raw
	s.keepChainedExtras()
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("settings %s: %w: fix or delete the file", path, err)
	}
	return s, nil
}

// validate checks values whose type JSON cannot check.
func (s *Settings) validate() error {
	switch s.Store {
	case "", "keyring", "file":
	default:
		return fmt.Errorf("\"store\" is %q; expected \"keyring\" or \"file\"", s.Store)
	}
	for _, d := range []struct{ key, val string }{
		{"defaultDuration", s.DefaultDuration},
		{"consoleChoiceWait", s.ConsoleChoiceWait},
		{"clipboardTimeout", s.ClipboardTimeout},
		{"sts.timeout", s.STS.Timeout},
	} {
		if d.val == "" {
			continue
		}
		if _, err := ParseDuration(d.val); err != nil {
			return fmt.Errorf("%q: %w", d.key, err)
		}
	}
	for arn, v := range s.RoleMaxDurations {
		if _, err := ParseDuration(v); err != nil {
			return fmt.Errorf("\"roleMaxDurations\" for %s: %w", arn, err)
		}
	}
	return nil
}

// decodeError turns a JSON error into one line with a position.
func decodeError(path string, data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off := syn.Offset
		if off > 0 && off <= int64(len(data)) && syn.Error() != "unexpected end of JSON input" {
			off-- // Offset is just past the offending byte.
		}
		line, col := position(data, off)
		return fmt.Errorf("settings %s:%d:%d: %s: fix or delete the file", path, line, col, syn.Error())
	case errors.As(err, &typ):
		line, col := position(data, typ.Offset)
		what := "the file"
		if typ.Field != "" {
			what = strconv.Quote(typ.Field)
		}
		return fmt.Errorf("settings %s:%d:%d: %s must be %s, not a JSON %s: fix or delete the file",
			path, line, col, what, jsonKind(typ.Type), typ.Value)
	default:
		return fmt.Errorf("settings %s: %w: fix or delete the file", path, err)
	}
}

// jsonKind names a Go type as the JSON a user would write for it.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "a number"
	case reflect.Map, reflect.Struct:
		return "an object {...}"
	case reflect.Slice:
		return "a list [...]"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return t.String()
}

// position converts a byte offset into a 1-based line and column.
func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	before := data[:off]
	line = 1 + bytes.Count(before, []byte("\n"))
	col = 1 + len(before) - (bytes.LastIndexByte(before, '\n') + 1)
	return line, col
}

// Save writes s to home/settings.json atomically (mode 0600) under the
// settings lock, keeping the keys and values this version of ramsso does
// not know as they were read.
func (s *Settings) Save(home string) error {
	return s.SaveContext(context.Background(), home)
}

// SaveContext is Save with a context bounding the wait for the lock.
func (s *Settings) SaveContext(ctx context.Context, home string) error {
	if err := EnsureHome(home); err != nil {
		return err
	}
	unlock, err := LockFile(ctx, filepath.Join(home, settingsLock), false, 0)
	if err != nil {
		return fmt.Errorf("saving settings: %w", err)
	}
	defer unlock()
	return s.write(home)
}

// write encodes and writes s; the caller holds the lock.
func (s *Settings) write(home string) error {
	data, err := s.encode()
	if err != nil {
		return fmt.Errorf("saving settings: %w", err)
	}
	return WriteFileAtomic(Path(home), data, 0o600)
}

// encode merges s over the raw keys it was read with.
func (s *Settings) encode() ([]byte, error) {
	known, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	merged, err := mergeJSON(s.raw, known, reflect.TypeFor[Settings]())
	if err != nil {
		return nil, err
	}
	out, err := json.MarshalIndent(merged, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// mergeJSON overlays the object known (the encoding of a value of struct
// type t) on old: keys t knows come from known (and vanish when known
// omits them), other keys of old are kept. Nested struct fields merge the
// same way, so unknown keys inside them survive too.
func mergeJSON(old map[string]json.RawMessage, known []byte, t reflect.Type) (map[string]json.RawMessage, error) {
	var fresh map[string]json.RawMessage
	if err := json.Unmarshal(known, &fresh); err != nil {
		return nil, err
	}
	out := make(map[string]json.RawMessage, len(old)+len(fresh))
	fields := jsonFields(t)
	for k, v := range old {
		if _, isKnown := fields[k]; !isKnown {
			out[k] = v
		}
	}
	for k, v := range fresh {
		ft := fields[k]
		if _, had := old[k]; !had && string(v) == "{}" {
			continue // an empty nested struct the file never had
		}
		if ft != nil && ft.Kind() == reflect.Struct {
			var oldSub map[string]json.RawMessage
			if json.Unmarshal(old[k], &oldSub) == nil && oldSub != nil {
				sub, err := mergeJSON(oldSub, v, ft)
				if err != nil {
					return nil, err
				}
				b, err := json.Marshal(sub)
				if err != nil {
					return nil, err
				}
				v = b
			}
		}
		out[k] = v
	}
	return out, nil
}

// jsonFields maps the JSON keys of struct type t to their field types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	return m
}

// Update loads the settings, applies fn and saves the result, all under
// the settings lock, so concurrent updates are not lost.
func Update(ctx context.Context, home string, fn func(*Settings) error) error {
	if err := EnsureHome(home); err != nil {
		return err
	}
	unlock, err := LockFile(ctx, filepath.Join(home, settingsLock), false, 0)
	if err != nil {
		return fmt.Errorf("updating settings: %w", err)
	}
	defer unlock()
	s, err := Load(home)
	if err != nil {
		return err
	}
	if err := fn(s); err != nil {
		return err
	}
	return s.write(home)
}

// ParseDuration reads a duration as whole seconds ("3600") or a Go
// duration ("1h", "90m", "1h30m"). It must be positive.
func ParseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, errors.New("empty duration: use seconds (3600) or a duration like 1h or 90m")
	}
	var d time.Duration
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		if n > int64(1<<62)/int64(time.Second) {
			return 0, fmt.Errorf("duration %q is too long", s)
		}
		d = time.Duration(n) * time.Second
	} else {
		var perr error
		d, perr = time.ParseDuration(t)
		if perr != nil {
			return 0, fmt.Errorf("invalid duration %q: use seconds (3600) or a duration like 1h or 90m", s)
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("duration %q must be positive", s)
	}
	return d, nil
}

// durationOr parses v, or returns def when v is empty.
func durationOr(key, v string, def time.Duration) (time.Duration, error) {
	if v == "" {
		return def, nil
	}
	d, err := ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("setting %q: %w", key, err)
	}
	return d, nil
}

// Duration is the default session duration (3600 s when unset).
func (s *Settings) Duration() (time.Duration, error) {
	return durationOr("defaultDuration", s.DefaultDuration, DefaultDuration)
}

// ConsoleChoiceWaitDuration bounds the wait for the console's role chooser
// (90 s when unset).
func (s *Settings) ConsoleChoiceWaitDuration() (time.Duration, error) {
	return durationOr("consoleChoiceWait", s.ConsoleChoiceWait, DefaultConsoleChoiceWait)
}

// ClipboardTimeoutDuration is how long copied secrets stay on the
// clipboard (30 s when unset).
func (s *Settings) ClipboardTimeoutDuration() (time.Duration, error) {
	return durationOr("clipboardTimeout", s.ClipboardTimeout, DefaultClipboardTimeout)
}

// NotificationsEnabled reports whether desktop notifications are on
// (default true).
func (s *Settings) NotificationsEnabled() bool {
	return s.Notifications == nil || *s.Notifications
}

// AccountAlias returns the alias configured for accountID, or "".
func (s *Settings) AccountAlias(accountID string) string {
	return s.AccountAliases[accountID]
}

// first returns the first non-blank value.
func first(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
