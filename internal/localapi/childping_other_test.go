//go:build unix && !linux

package localapi

func childPing(string) string { return "unsupported" }
