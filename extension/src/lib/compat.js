// The one place that picks the extension API namespace: Firefox exposes
// promise-based `browser` (and `chrome`), Chromium exposes `chrome`.
// Both return promises for the calls this extension makes.

/** The WebExtension API object. */
export const api = globalThis.browser ?? globalThis.chrome;

/** Chrome's runtime.lastError (undefined on Firefox, which uses port.error). */
export function lastError() {
  return globalThis.chrome?.runtime?.lastError;
}
