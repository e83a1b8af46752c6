// Package e2e holds ramsso's end-to-end tests in a real headless Chromium:
// the unpacked extension (extension/build/chrome) is loaded into a fresh
// profile with ramsso-host registered, a test IdP page auto-POSTs a signed
// SAMLResponse to a local stand-in for signin.aliyun.com, and the tests
// check that the session lands in the store with the STS emulator's expiry
// while the sign-in POST reaches the stand-in untouched.
//
// Run them with `make e2e`. They need Debian's chromium; without it they
// are skipped, unless CI or RAMSSO_E2E=1 is set, in which case they fail.
package e2e
