// Package capture turns a decoded SAML Response into a stored session.
//
//   - role.go picks a role by ARN, ACCOUNT/ROLE or unique name;
//   - flow.go is the host's capture flow: the role decision in the
//     design's order (re-login intent, one role, remembered choice, the
//     capture's own target role, the console's chooser, then a person);
//   - acquire.go is the one acquisition path (Acquirer): exchange with STS
//     (exchange.go, stable profile names by store's rule), store,
//     remember, then the after-store effects (Effects: the aliyun CLI
//     profile, the tray notice);
//   - state.go keeps re-login intents and remembered choices under
//     RAMSSO_HOME; errors.go maps every failure to a stable FlowError.
//
// `ramsso assume`, the native messaging host's flow and the tray's "Pick
// role…" all acquire through Acquirer (built by internal/pipeline), so the
// same rules hold and the same state is left on every path.
package capture
