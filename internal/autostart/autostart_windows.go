//go:build windows

package autostart

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows/registry"
)

const runKey = `Software\Microsoft\Windows\CurrentVersion\Run`

// entryPath is "" on Windows: the entry is a Run key value.
func entryPath() (string, error) { return "", nil }

// Set adds (on) or removes (off) the Run key value for e.
func Set(on bool, e Entry) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runKey, registry.SET_VALUE|registry.QUERY_VALUE)
	if err != nil {
		return fmt.Errorf("opening HKCU\\%s: %w", runKey, err)
	}
	defer k.Close()
	if !on {
		if err := k.DeleteValue(Name); err != nil && !errors.Is(err, registry.ErrNotExist) {
			return fmt.Errorf("removing the Run value: %w", err)
		}
		return nil
	}
	cmd := `"` + e.Exe + `"`
	if err := k.SetStringValue(Name, cmd); err != nil {
		return fmt.Errorf("writing the Run value: %w", err)
	}
	return nil
}

func registryEnabled() (bool, error) {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.QUERY_VALUE)
	if err != nil {
		return false, nil
	}
	defer k.Close()
	_, _, err = k.GetStringValue(Name)
	return err == nil, nil
}
