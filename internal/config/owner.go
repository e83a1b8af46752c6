package config

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// ownerCheck decides whether a file or directory with this owner and mode
// may be trusted by the user uid: it must be theirs and not writable by
// group or others. what names it in the error ("ramsso home"). Pure, so the
// rule is tested without other users.
func ownerCheck(what, path string, owner, uid int, known bool, mode fs.FileMode) error {
	if known && owner != uid {
		hint := "use one of your own"
		if what == "ramsso home" {
			hint = "use a directory of your own (unset " + EnvHome + " or point it elsewhere)"
		}
		return fmt.Errorf("%s %s belongs to another user (uid %d, you are %d): ramsso does not trust files another user can change; %s",
			what, path, owner, uid, hint)
	}
	if mode.Perm()&0o022 != 0 {
		return fmt.Errorf("%s %s is writable by other users (mode %04o): run \"chmod go-w %s\"", what, path, mode.Perm(), path)
	}
	return nil
}

// CheckOwned refuses a file or directory at path that another user owns or
// can write (on Windows, where ACLs decide, it checks nothing). A missing
// path is not an error.
func CheckOwned(what, path string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	owner, known := fileOwner(fi)
	return ownerCheck(what, path, owner, os.Getuid(), known, fi.Mode())
}

// ReadStateFile reads a file ramsso keeps under RAMSSO_HOME (settings,
// state, records), refusing one another user owns or can write: its
// contents steer where ramsso sends credentials. The check is made on the
// opened file, so it is the one read. A missing file gives the
// fs.ErrNotExist error os.ReadFile gives.
func ReadStateFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if runtime.GOOS != "windows" {
		fi, err := f.Stat()
		if err != nil {
			return nil, err
		}
		owner, known := fileOwner(fi)
		if err := ownerCheck("file", path, owner, os.Getuid(), known, fi.Mode()); err != nil {
			return nil, err
		}
	}
	return io.ReadAll(f)
}

// binaryCheck decides whether ramsso may hand a binary (or the directory
// holding it) to a browser to execute: owned by the user or by root (a
// system package) and writable by nobody else.
func binaryCheck(path string, owner, uid int, known bool, mode fs.FileMode, isDir bool) error {
	what := "binary"
	if isDir {
		what = "directory"
	}
	if known && owner != uid && owner != 0 {
		return fmt.Errorf("%s %s belongs to another user (uid %d), who could replace what the browser runs: install ramsso where only you (or root) can write", what, path, owner)
	}
	if mode.Perm()&0o022 != 0 {
		return fmt.Errorf("%s %s is writable by other users (mode %04o), who could replace what the browser runs: run \"chmod go-w %s\"", what, path, mode.Perm(), path)
	}
	return nil
}

// CheckExecutable refuses a binary the browser or the host would execute
// (ramsso-host, ramsso-tray) when it or its directory could be changed by
// another user (see binaryCheck). Windows is not checked (ACLs decide).
func CheckExecutable(path string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	for _, p := range []string{path, filepath.Dir(path)} {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("checking %s: %w", p, err)
		}
		owner, known := fileOwner(fi)
		if err := binaryCheck(p, owner, os.Getuid(), known, fi.Mode(), fi.IsDir()); err != nil {
			return err
		}
	}
	return nil
}
