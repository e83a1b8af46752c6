// Pure request parsing: which observed POSTs matter and what they carry.
// Importable by Node for tests; no browser APIs here.

import { CONSOLE_CHOICE_ACTION } from './constants.js';

const SSO_HOSTS = new Map([
  ['signin.aliyun.com', 'china'],
  ['signin.alibabacloud.com', 'international'],
]);

/**
 * Decodes an application/x-www-form-urlencoded body into { name: [values] }.
 * `+` is a space and is replaced before percent-decoding, so `%2B` stays a
 * literal `+` (which matters for base64). Malformed percent escapes are kept
 * as they are rather than failing the whole body.
 * @param {string} text
 * @returns {Record<string, string[]>}
 */
export function decodeFormBody(text) {
  const out = Object.create(null);
  if (typeof text !== 'string' || text === '') return out;
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    const name = percentDecode(rawName.replace(/\+/g, ' '));
    const value = percentDecode(rawValue.replace(/\+/g, ' '));
    (out[name] ??= []).push(value);
  }
  return out;
}

/**
 * Percent-decodes a string as UTF-8; a malformed sequence is decoded piecewise
 * so that the valid escapes still decode and the broken ones stay literal.
 * @param {string} s
 */
export function percentDecode(s) {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

/**
 * Joins the `raw` parts of a webRequest requestBody into text (UTF-8).
 * Parts that are files (multipart uploads) are skipped.
 * @param {Array<{bytes?: ArrayBuffer|ArrayBufferView, file?: string}>} raw
 * @returns {string}
 */
export function rawToText(raw) {
  if (!Array.isArray(raw)) return '';
  const chunks = [];
  let total = 0;
  for (const part of raw) {
    const bytes = part && part.bytes;
    if (!bytes) continue;
    const view = bytes instanceof ArrayBuffer
      ? new Uint8Array(bytes)
      : ArrayBuffer.isView(bytes)
        ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
        : null;
    if (!view) continue;
    chunks.push(view);
    total += view.byteLength;
  }
  const all = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.byteLength;
  }
  return new TextDecoder('utf-8').decode(all);
}

/**
 * The form fields of a webRequest requestBody: `formData` when the browser
 * parsed it, otherwise the `raw` bytes decoded as a urlencoded form.
 * @param {any} requestBody
 * @returns {Record<string, string[]>}
 */
export function formFields(requestBody) {
  if (!requestBody || typeof requestBody !== 'object' || requestBody.error) {
    return Object.create(null);
  }
  const fd = requestBody.formData;
  if (fd && typeof fd === 'object' && Object.keys(fd).length > 0) {
    const out = Object.create(null);
    for (const [k, v] of Object.entries(fd)) {
      out[k] = Array.isArray(v) ? v.map(String) : [String(v)];
    }
    return out;
  }
  if (Array.isArray(requestBody.raw)) {
    return decodeFormBody(rawToText(requestBody.raw));
  }
  return Object.create(null);
}

/** The first non-empty value of a field, or undefined. */
export function firstField(fields, name) {
  const v = fields[name];
  if (!Array.isArray(v)) return undefined;
  return v.find((x) => typeof x === 'string' && x !== '');
}

/**
 * Checks a `roleArn,providerArn` pair (either order, stray whitespace) and
 * returns it trimmed, or null when it does not look like one.
 * @param {unknown} s
 */
export function normalizeTargetRole(s) {
  if (typeof s !== 'string') return null;
  const parts = s.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length !== 2) return null;
  const hasRole = parts.some((p) => /^acs:ram::\d+:role\/.+/.test(p));
  const hasProvider = parts.some((p) => /^acs:ram::\d+:saml-provider\/.+/.test(p));
  if (!hasRole || !hasProvider) return null;
  return parts.join(',');
}

/** The role ARN inside a `roleArn,providerArn` pair (either order). */
export function roleArnOf(targetRole) {
  if (typeof targetRole !== 'string') return '';
  return targetRole.split(',').map((p) => p.trim()).find((p) => /:role\//.test(p)) ?? '';
}

/**
 * Parses the console chooser's `RequestParams` form field: a JSON string with
 * `SAMLResponse` and `TargetRoleAndProvider`. Key lookup falls back to a
 * case-insensitive match. Returns null when no valid target role is present.
 * @param {unknown} text
 * @returns {{samlResponse: string|undefined, targetRole: string} | null}
 */
export function parseRequestParams(text) {
  if (typeof text !== 'string' || text.trim() === '') return null;
  let obj;
  try {
    obj = JSON.parse(text);
  } catch {
    return null;
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return null;
  const get = (key) => {
    if (key in obj) return obj[key];
    const k = Object.keys(obj).find((x) => x.toLowerCase() === key.toLowerCase());
    return k === undefined ? undefined : obj[k];
  };
  const targetRole = normalizeTargetRole(get('TargetRoleAndProvider'));
  if (!targetRole) return null;
  const saml = get('SAMLResponse');
  return {
    samlResponse: typeof saml === 'string' && saml.trim() !== '' ? saml.trim() : undefined,
    targetRole,
  };
}

/** The origin of the page that sent the request (Chrome: initiator; Firefox: originUrl). */
export function initiatorOf(details) {
  const cand = details.initiator || details.originUrl || details.documentUrl || '';
  try {
    const u = new URL(cand);
    return u.origin === 'null' ? '' : u.origin;
  } catch {
    return '';
  }
}

/** True when a hostname is, or is under, one of Alibaba Cloud's two sites. */
function isAlibabaHost(host) {
  return host === 'aliyun.com' || host.endsWith('.aliyun.com')
    || host === 'alibabacloud.com' || host.endsWith('.alibabacloud.com');
}

// Paths are compared case-insensitively: Alibaba's own API examples spell
// the SSO path `/saml-role/SSO`.
function pathIs(pathname, want) {
  const p = pathname.toLowerCase();
  return p === want || p === `${want}/`;
}

/**
 * Classifies an onBeforeRequest event. Returns null for anything that is not
 * a POST we care about; otherwise
 *   { kind: 'capture', tabId, url, site, initiator, samlResponse, relayState? } or
 *   { kind: 'consoleChoice', tabId, url, site, initiator, samlResponse?, targetRole }.
 * @param {any} details
 */
export function classifyRequest(details) {
  if (!details || details.method !== 'POST' || typeof details.url !== 'string') return null;
  let url;
  try {
    url = new URL(details.url);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:') return null;
  const host = url.hostname.toLowerCase();
  const tabId = typeof details.tabId === 'number' ? details.tabId : -1;
  const initiator = initiatorOf(details);

  if (SSO_HOSTS.has(host) && pathIs(url.pathname, '/saml-role/sso')) {
    // Only a top-level navigation is the user's own sign-in: a page can
    // auto-submit a form into an iframe (details.type is set by every
    // browser's webRequest).
    if (details.type !== undefined && details.type !== 'main_frame') return null;
    const fields = formFields(details.requestBody);
    const samlResponse = firstField(fields, 'SAMLResponse');
    if (!samlResponse) return null;
    const out = {
      kind: 'capture',
      tabId,
      url: details.url,
      site: SSO_HOSTS.get(host),
      initiator,
      samlResponse: samlResponse.trim(),
    };
    const relayState = firstField(fields, 'RelayState');
    if (relayState !== undefined) out.relayState = relayState;
    return out;
  }

  if (isAlibabaHost(host) && pathIs(url.pathname, '/entrance')) {
    const fields = formFields(details.requestBody);
    const action = url.searchParams.get('Action') ?? firstField(fields, 'Action') ?? '';
    if (action.toLowerCase() !== CONSOLE_CHOICE_ACTION.toLowerCase()) return null;
    const params = parseRequestParams(firstField(fields, 'RequestParams'));
    if (!params) return null;
    const out = {
      kind: 'consoleChoice',
      tabId,
      url: details.url,
      site: host.endsWith('alibabacloud.com') ? 'international' : 'china',
      initiator,
      targetRole: params.targetRole,
    };
    if (params.samlResponse) out.samlResponse = params.samlResponse;
    return out;
  }
  return null;
}
