// Package browseropen opens a URL in a named browser profile (so two
// roles can have two consoles side by side): it finds the browser that
// would open the URL ($BROWSER, else the desktop's default web browser),
// tells Chrome-family browsers from Firefox-family ones, and builds the
// profile argument — Chrome's --profile-directory=NAME, Firefox's -P NAME —
// from a validated name that cannot inject flags.
package browseropen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
	"unicode"
)

// Browser families.
const (
	Chrome  = "chrome"  // Chrome, Chromium, Edge, Brave, Vivaldi, Opera
	Firefox = "firefox" // Firefox, LibreWolf, IceCat
)

// Family tells which family a browser command belongs to by its file
// name, or "" when it is not one ramsso knows how to give a profile to.
func Family(command string) string {
	base := strings.ToLower(filepath.Base(command))
	base = strings.TrimSuffix(base, ".exe")
	for _, p := range []string{"google-chrome", "chrome", "chromium", "microsoft-edge", "msedge", "brave", "vivaldi", "opera"} {
		if strings.HasPrefix(base, p) {
			return Chrome
		}
	}
	for _, p := range []string{"firefox", "librewolf", "icecat", "iceweasel"} {
		if strings.HasPrefix(base, p) {
			return Firefox
		}
	}
	return ""
}

// ValidateProfileName checks a browser profile name: one argument that no
// browser reads as a flag or a path. Chrome's profile directories look
// like "Default" or "Profile 1"; Firefox profiles have free names.
func ValidateProfileName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return errors.New("--browser-profile is empty: give a profile name such as \"Profile 1\" (Chrome) or \"work\" (Firefox)")
	case len(name) > 100:
		return errors.New("--browser-profile is too long (at most 100 characters)")
	case strings.HasPrefix(name, "-"):
		return fmt.Errorf("--browser-profile %q starts with \"-\", which a browser would read as an option", name)
	case strings.ContainsAny(name, `/\`) || name == "." || name == "..":
		return fmt.Errorf("--browser-profile %q: a profile name, not a path", name)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return fmt.Errorf("--browser-profile %q contains a control character", name)
		}
	}
	return nil
}

// ProfileArgs are the arguments that select profile name in a browser of
// family, placed before the URL.
func ProfileArgs(family, name string) ([]string, error) {
	if err := ValidateProfileName(name); err != nil {
		return nil, err
	}
	switch family {
	case Chrome:
		return []string{"--profile-directory=" + name}, nil
	case Firefox:
		return []string{"-P", name}, nil
	}
	return nil, errors.New("the browser is neither Chrome-family nor Firefox-family")
}

// Env reads environment variables; nil means os.Getenv.
type Env func(string) string

func (e Env) get(k string) string {
	if e == nil {
		return os.Getenv(k)
	}
	return e(k)
}

// Command finds the command of the browser a URL would open in: the first
// $BROWSER entry, else (Linux, BSD) the desktop's default web browser as
// xdg-mime names it, resolved through its .desktop file's Exec line.
func (e Env) Command(ctx context.Context) ([]string, error) {
	if b := e.get("BROWSER"); b != "" {
		sep := ":"
		if runtime.GOOS == "windows" {
			sep = ";"
		}
		for _, c := range strings.Split(b, sep) {
			var f []string
			for _, w := range strings.Fields(c) {
				if !strings.Contains(w, "%s") {
					f = append(f, w)
				}
			}
			if len(f) > 0 {
				return f, nil
			}
		}
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		return nil, errors.New("finding the default browser is not supported on " + runtime.GOOS + ": set BROWSER to the browser's command")
	}
	qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(qctx, "xdg-mime", "query", "default", "x-scheme-handler/https").Output()
	desktop := strings.TrimSpace(string(out))
	if err != nil || desktop == "" {
		return nil, errors.New("no default web browser found (xdg-mime query default x-scheme-handler/https): set BROWSER to the browser's command")
	}
	for _, dir := range e.applicationDirs() {
		f, err := os.Open(filepath.Join(dir, desktop))
		if err != nil {
			continue
		}
		argv := DesktopExec(f)
		f.Close()
		if len(argv) > 0 {
			return argv, nil
		}
	}
	return nil, fmt.Errorf("the default browser %s has no readable .desktop file: set BROWSER to the browser's command", desktop)
}

// applicationDirs are the XDG directories that hold .desktop files.
func (e Env) applicationDirs() []string {
	dataHome := e.get("XDG_DATA_HOME")
	if dataHome == "" && e.get("HOME") != "" {
		dataHome = filepath.Join(e.get("HOME"), ".local", "share")
	}
	dirs := []string{}
	if dataHome != "" {
		dirs = append(dirs, filepath.Join(dataHome, "applications"))
	}
	dataDirs := e.get("XDG_DATA_DIRS")
	if dataDirs == "" {
		dataDirs = "/usr/local/share:/usr/share"
	}
	for _, d := range filepath.SplitList(dataDirs) {
		dirs = append(dirs, filepath.Join(d, "applications"))
	}
	return dirs
}

// DesktopExec reads the [Desktop Entry] Exec line of a .desktop file and
// returns the command and its fixed arguments, without the field codes
// (%u, %U, …). Quoted arguments are honoured as the spec describes.
func DesktopExec(r io.Reader) []string {
	sc := bufio.NewScanner(r)
	inEntry := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			inEntry = line == "[Desktop Entry]"
			continue
		}
		if !inEntry || !strings.HasPrefix(line, "Exec=") {
			continue
		}
		var argv []string
		for _, w := range splitExec(strings.TrimPrefix(line, "Exec=")) {
			if len(w) == 2 && w[0] == '%' {
				continue
			}
			argv = append(argv, w)
		}
		return argv
	}
	return nil
}

// splitExec splits an Exec value on spaces, honouring double quotes and
// backslash escapes inside them.
func splitExec(s string) []string {
	var out []string
	var cur strings.Builder
	inQuote, have := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQuote && c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case c == '"':
			inQuote, have = !inQuote, true
		case c == ' ' && !inQuote:
			if have || cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteByte(c)
		}
	}
	if have || cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// Open opens url in profile of the browser Command finds. The URL and the
// profile are single arguments, never passed through a shell.
func (e Env) Open(ctx context.Context, url, profile string) error {
	if err := ValidateProfileName(profile); err != nil {
		return err
	}
	argv, err := e.Command(ctx)
	if err != nil {
		return err
	}
	fam := Family(argv[0])
	if fam == "" {
		return fmt.Errorf("the browser %s is neither Chrome-family nor Firefox-family, so ramsso cannot choose its profile: set BROWSER to one that is", filepath.Base(argv[0]))
	}
	extra, err := ProfileArgs(fam, profile)
	if err != nil {
		return err
	}
	args := append(append(append([]string{}, argv[1:]...), extra...), url)
	cmd := exec.Command(argv[0], args...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", filepath.Base(argv[0]), err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			// The URL carries a secret: name only the browser.
			return fmt.Errorf("%s failed: %w", filepath.Base(argv[0]), err)
		}
	case <-time.After(3 * time.Second): // a browser started anew keeps running
	case <-ctx.Done():
	}
	return nil
}
