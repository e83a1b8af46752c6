//go:build !windows

package browsers

import "errors"

var errNoRegistry = errors.New("the registry exists only on Windows")

func setRegistry(machine bool, key, value string) error    { return errNoRegistry }
func getRegistry(machine bool, key string) (string, error) { return "", errNoRegistry }
func deleteRegistry(machine bool, key, want string) error  { return errNoRegistry }

func windowsFound(Spec, Env) string { return "" }
