//go:build !windows

package browsers

import "errors"

var errNoRegistry = errors.New("the registry exists only on Windows")

func setRegistry(key, value string) error    { return errNoRegistry }
func getRegistry(key string) (string, error) { return "", errNoRegistry }
func deleteRegistry(key, want string) error  { return errNoRegistry }

func windowsFound(Spec, Env) string { return "" }
