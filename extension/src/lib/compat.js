// The one place that picks the extension API namespace: Firefox exposes
// promise-based `browser` (and `chrome`), Chromium exposes `chrome`.
// Both return promises for the calls this extension makes.
//
// Where Firefox differs from Chromium, as seen in Firefox 153 ESR by the
// end-to-end tests (e2e/firefox_test.go), and how the extension copes:
// - Background lifetime: an event page (background.scripts), suspended
//   after extensions.background.idle.timeout (30 s) of idleness, instead
//   of a service worker. webRequest listeners registered synchronously at
//   the top level are primed while it is suspended and the SAML POST wakes
//   it (registering after an await loses every cold capture); an open
//   connectNative port keeps it from being suspended. background.js
//   registers first and awaits nothing before.
// - Why a native port closed: Firefox puts it on port.error, Chrome on
//   runtime.lastError while onDisconnect runs; callers read
//   `p.error?.message ?? lastError()?.message` (flows.js, host.js).
//   Firefox answers a missing host and a manifest whose
//   allowed_extensions lacks our id alike ("No such native application"),
//   which host.js maps to host_missing: `ramsso install` fixes both.
// - requestBody: Firefox gives formData for the form POSTs as Chrome does;
//   request.js still falls back to the raw bytes.
// - storage.session exists (Firefox 115+) and outlives suspensions.
// - Host permissions: MV3 grants them at install and stores them without
//   paths; permissions.contains with the path patterns still answers
//   truly (false once the user revokes them, and then webRequest sees
//   nothing), so the popup's check needs no Firefox case.
// - action.openPopup() works without a user gesture; it is still only a
//   convenience (errors ignored).

/** The WebExtension API object. */
export const api = globalThis.browser ?? globalThis.chrome;

/** Chrome's runtime.lastError (undefined on Firefox, which uses port.error). */
export function lastError() {
  return globalThis.chrome?.runtime?.lastError;
}
