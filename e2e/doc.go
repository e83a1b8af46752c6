// Package e2e holds ramsso's end-to-end tests in a real headless Chromium
// and a real headless Firefox: the extension (extension/build/chrome
// unpacked; extension/build/firefox installed as a temporary add-on over
// WebDriver BiDi) runs in a fresh profile with ramsso-host registered, a
// test IdP page auto-POSTs a signed SAMLResponse to a local stand-in for
// signin.aliyun.com, and the tests check that the session lands in the
// store with the STS emulator's expiry while the sign-in POST reaches the
// stand-in untouched.
//
// Chromium reaches the stand-in through --host-resolver-rules; Firefox
// through its HTTPS proxy pref pointed at a local CONNECT forwarder
// (demo.Forwarder), with the BiDi session's acceptInsecureCerts.
//
// Run them with `make e2e`. They need Debian's chromium and firefox-esr;
// without a browser its tests are skipped, unless CI or RAMSSO_E2E=1 is
// set, in which case they fail.
package e2e
