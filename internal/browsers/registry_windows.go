//go:build windows

package browsers

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/windows/registry"
)

// hive is HKLM for machine-wide targets, else HKCU.
func hive(machine bool) registry.Key {
	if machine {
		return registry.LOCAL_MACHINE
	}
	return registry.CURRENT_USER
}

// setRegistry points HKCU\key's (HKLM with machine) default value at the
// manifest path.
func setRegistry(machine bool, key, value string) error {
	k, _, err := registry.CreateKey(hive(machine), key, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	return k.SetStringValue("", value)
}

func getRegistry(machine bool, key string) (string, error) {
	k, err := registry.OpenKey(hive(machine), key, registry.QUERY_VALUE)
	if err != nil {
		return "", err
	}
	defer k.Close()
	v, _, err := k.GetStringValue("")
	return v, err
}

// deleteRegistry removes the key when it points at want.
func deleteRegistry(machine bool, key, want string) error {
	v, err := getRegistry(machine, key)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !strings.EqualFold(v, want) {
		return nil // someone else's registration: leave it
	}
	return registry.DeleteKey(hive(machine), key)
}

// windowsFound detects a browser by its vendor key or its user data dir.
func windowsFound(spec Spec, env Env) string {
	vendor := strings.TrimSuffix(spec.WinKey, `\NativeMessagingHosts`)
	if k, err := registry.OpenKey(registry.CURRENT_USER, vendor, registry.QUERY_VALUE); err == nil {
		k.Close()
		return `HKCU\` + vendor
	}
	base := env.LocalAppData
	if base == "" {
		return ""
	}
	dir := filepath.Join(base, filepath.FromSlash(spec.MacDir), "User Data")
	if spec.Family == Firefox {
		dir = filepath.Join(os.Getenv("APPDATA"), "Mozilla", "Firefox")
	}
	if isDir(dir) {
		return dir
	}
	return ""
}
