// Package capture turns a decoded SAML Response into a stored session: it
// picks the role (by ARN, ACCOUNT/ROLE or unique name), names the profile
// stably, exchanges the assertion with STS and writes the result to the
// store. The CLI's `assume`, the native messaging host and the tray all go
// through it, so the same rules hold on every path.
package capture
