// Manifest generation for every target, and the Chrome extension id derived
// from the pinned public key. Pure (no file access); importable by tests.

import { createHash } from 'node:crypto';
import {
  API_PERMISSIONS, HOST_PERMISSIONS,
} from '../src/lib/constants.js';

/** The Firefox add-on id (`allowed_extensions` in the host manifest). */
export const GECKO_ID = 'ramsso@ramsso.dev';

/**
 * Firefox 140 ESR: MV3, storage.session (115), ES-module background scripts
 * (112), nativeMessaging, webRequest requestBody, and the manifest's
 * data_collection_permissions (140), which AMO requires of new add-ons.
 */
export const GECKO_MIN_VERSION = '140.0';

/** Firefox for Android added data_collection_permissions in 142. */
export const GECKO_ANDROID_MIN_VERSION = '142.0';

/** Chrome 116: a connectNative port keeps the service worker alive; storage.session. */
export const CHROME_MIN_VERSION = '116';

/** The extension pages' CSP: only packaged scripts, no plugins. */
export const CSP = "script-src 'self'; object-src 'none'";

/** DER bytes of a PEM "PUBLIC KEY" (SubjectPublicKeyInfo). */
export function publicKeyDer(pem) {
  const m = /-----BEGIN PUBLIC KEY-----([\s\S]+?)-----END PUBLIC KEY-----/.exec(pem);
  if (!m) throw new Error('not a PEM public key (expected -----BEGIN PUBLIC KEY-----)');
  return Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
}

/**
 * Chrome's extension id for a public key: SHA-256 of the DER, first 32 hex
 * digits, each mapped 0-9a-f -> a-p.
 */
export function extensionId(der) {
  const hex = createHash('sha256').update(der).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode('a'.charCodeAt(0) + parseInt(c, 16))).join('');
}

function base(version) {
  return {
    manifest_version: 3,
    name: 'ramsso',
    version,
    description: 'Hands your Alibaba Cloud SAML sign-in to ramsso for CLI credentials. Only observes: the console login is unchanged.',
    icons: {
      16: 'icons/icon-16.png',
      32: 'icons/icon-32.png',
      48: 'icons/icon-48.png',
      128: 'icons/icon-128.png',
    },
    action: {
      default_title: 'ramsso',
      default_popup: 'popup.html',
      default_icon: { 16: 'icons/icon-16.png', 32: 'icons/icon-32.png' },
    },
    permissions: [...API_PERMISSIONS],
    host_permissions: [...HOST_PERMISSIONS],
    content_security_policy: { extension_pages: CSP },
  };
}

/**
 * The Chrome-family manifest (Chrome, Chromium, Edge, Brave, Vivaldi).
 * With `key` (base64 DER) the unpacked id is pinned; the store build has none.
 * @param {{version: string, key?: string}} o
 */
export function chromeManifest({ version, key }) {
  const m = {
    ...base(version),
    background: { service_worker: 'background.js', type: 'module' },
    minimum_chrome_version: CHROME_MIN_VERSION,
  };
  if (key) m.key = key;
  return m;
}

/** The Firefox manifest: an event page (background.scripts) and the gecko id. */
export function firefoxManifest({ version }) {
  return {
    ...base(version),
    background: { scripts: ['background.js'], type: 'module' },
    browser_specific_settings: {
      gecko: {
        id: GECKO_ID,
        strict_min_version: GECKO_MIN_VERSION,
        // Nothing leaves the machine: the assertion goes to the local host only.
        data_collection_permissions: { required: ['none'] },
      },
      // Firefox for Android has no native messaging, so ramsso cannot work
      // there; this only states the version that understands the keys above.
      gecko_android: { strict_min_version: GECKO_ANDROID_MIN_VERSION },
    },
  };
}

/** What the Go side pins: allowed_origins / allowed_extensions. */
export function idsJson(chromeId) {
  return {
    chrome: { id: chromeId, origin: `chrome-extension://${chromeId}/` },
    firefox: { id: GECKO_ID },
    allowed_origins: [`chrome-extension://${chromeId}/`],
    allowed_extensions: [GECKO_ID],
  };
}
