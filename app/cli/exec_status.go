package cli

import (
	"errors"
	"io/fs"
	"os/exec"
	"syscall"
)

// childExitCode is the status ramsso exec exits with for the child's
// Wait error, as shells report it: the exit status, or 128+N for a child
// killed by signal N. ok is false when err is not about the child's status.
func childExitCode(err error) (code int, ok bool) {
	if err == nil {
		return 0, true
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return 0, false
	}
	ws, _ := ee.Sys().(syscall.WaitStatus)
	return statusCode(ee.ExitCode(), ws.Signaled(), int(ws.Signal())), true
}

// statusCode maps a child's end to a shell-style exit status: 128+signal
// when it was killed by one, else its exit code (1 if none is known).
func statusCode(exitCode int, signaled bool, signal int) int {
	switch {
	case signaled && signal > 0:
		return 128 + signal
	case exitCode < 0:
		return 1
	}
	return exitCode
}

// startFailureCode is the shell's status for a command that could not be
// started: 127 when it does not exist, 126 when it exists but cannot run.
func startFailureCode(err error) int {
	if errors.Is(err, fs.ErrPermission) {
		return 126
	}
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, exec.ErrNotFound) {
		return 127
	}
	return 126
}
