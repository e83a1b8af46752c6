// Package version holds the ramsso version, set at build time with
// -ldflags "-X github.com/ramsso/ramsso/internal/version.Version=...".
package version

// Version is the build's version; "dev" for untagged builds.
var Version = "dev"
