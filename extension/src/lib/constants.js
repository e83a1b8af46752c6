// Constants shared by the background worker, the popup, the build and the tests.
// Nothing here is secret.

/** Name of the native messaging host installed by `ramsso install`. */
export const HOST_NAME = 'com.ramsso.host';

/** Newest native messaging protocol this extension speaks (sent in ping). */
export const PROTOCOL = 1;

/** Oldest protocol this extension still speaks; the host picks within. */
export const MIN_PROTOCOL = 1;

/** Match patterns for the SAML SSO endpoints (China and international sites). */
export const SSO_PATTERNS = Object.freeze([
  'https://signin.aliyun.com/saml-role/sso*',
  'https://signin.alibabacloud.com/saml-role/sso*',
]);

/**
 * Match patterns for the console's role chooser POST
 * (`/entrance?Action=V2AssumeRoleWithSaml`). Match patterns cannot express a
 * query parameter reliably, so the path is matched here and `Action` is
 * checked in code (see request.js).
 */
export const ENTRANCE_PATTERNS = Object.freeze([
  'https://*.aliyun.com/entrance*',
  'https://*.alibabacloud.com/entrance*',
]);

/**
 * URL filter for the SSO POST listener. Match-pattern paths are
 * case-sensitive, and Alibaba's own API examples spell the path
 * `/saml-role/SSO` (https://signin.aliyun.com/saml-role/SSO), so both
 * spellings are listened for; request.js matches the path case-insensitively.
 * Host permissions stay the SSO_PATTERNS (they grant the host, whatever the path).
 */
export const SSO_URL_FILTER = Object.freeze([
  ...SSO_PATTERNS,
  ...SSO_PATTERNS.map((p) => p.replace('/saml-role/sso', '/saml-role/SSO')),
]);

/**
 * Resource types of the console's chooser POST: it may be a navigation or an
 * XHR/fetch from the chooser page. It carries the SAMLResponse the SSO POST
 * already brought, so only the SSO POST itself is held to navigations.
 */
export const ENTRANCE_TYPES = Object.freeze(['main_frame', 'sub_frame', 'xmlhttprequest']);

/** Every host permission the extension asks for, exactly. */
export const HOST_PERMISSIONS = Object.freeze([...SSO_PATTERNS, ...ENTRANCE_PATTERNS]);

/** API permissions, exactly. */
export const API_PERMISSIONS = Object.freeze(['webRequest', 'nativeMessaging', 'storage']);

/** The console chooser's action name. */
export const CONSOLE_CHOICE_ACTION = 'V2AssumeRoleWithSaml';

/** How long a flow may stay open without a final host message. */
export const FLOW_TIMEOUT_MS = 3 * 60 * 1000;

/** How long the popup waits for a pong. */
export const PING_TIMEOUT_MS = 3000;

/** How many finished flows the history keeps. */
export const HISTORY_LIMIT = 20;

/** The command that installs (or repairs) the host manifest. */
export const INSTALL_REMEDY = 'run `ramsso install`';

/** Storage keys. `local` keys hold only non-secret data. */
export const KEYS = Object.freeze({
  paused: 'paused', // storage.local: boolean
  history: 'history', // storage.local: FlowRecord[] (non-secret fields only)
  tabs: 'tabs', // storage.session: { [tabId]: { id, samlHash, state } }
});
