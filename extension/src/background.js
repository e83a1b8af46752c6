// Background service worker (Chrome family) / event page (Firefox).
//
// Listeners are registered synchronously at the top level so that a cold
// worker woken by the SAML POST gets the event. Requests are only observed:
// no "blocking" option, nothing is modified, the console login goes on.

import { api, lastError } from './lib/compat.js';
import { ENTRANCE_PATTERNS, ENTRANCE_TYPES, KEYS, SSO_URL_FILTER } from './lib/constants.js';
import { FlowManager } from './lib/flows.js';

const manager = new FlowManager({
  connectNative: (name) => api.runtime.connectNative(name),
  local: api.storage.local,
  session: api.storage.session,
  lastError,
  onChange: () => void updateBadge(),
});

function onSignInRequest(details) {
  manager.handleRequest(details).catch((e) => {
    // Never log the request body: only the error's message.
    console.warn('ramsso: could not handle a sign-in POST:', e?.message ?? String(e));
  });
  // Returning nothing: observe only.
}

// The SAML POST is captured only as a top-level navigation: a page can
// auto-submit a form into a hidden iframe, and that is never the user's own
// console sign-in (defence in depth; the first-seen confirmation is the
// control). Alibaba's own examples spell the path /saml-role/SSO: both
// spellings are watched (SSO_URL_FILTER).
api.webRequest.onBeforeRequest.addListener(
  onSignInRequest,
  { urls: SSO_URL_FILTER, types: ['main_frame'] },
  ['requestBody'],
);
// The console's role chooser POST carries the SAMLResponse the SSO POST
// already brought, and may be a navigation or an XHR/fetch.
// A listener of its own (not onSignInRequest again): Firefox keeps one
// registration per callback, so adding the same function with a second
// filter is ignored there and the entrance POST would never be seen.
api.webRequest.onBeforeRequest.addListener(
  (details) => onSignInRequest(details),
  { urls: [...ENTRANCE_PATTERNS], types: [...ENTRANCE_TYPES] },
  ['requestBody'],
);

// The page a sign-in came from, for the first-seen confirmation: Chrome
// leaves `initiator` out of the request above in some cases, but the POST's
// Referer (an origin under the default referrer policy) is in its headers,
// which Chrome shows only with 'extraHeaders' (Firefox does not know that
// option and gives originUrl instead). Observe only.
function onSignInHeaders(details) {
  manager.notePage(details);
}
try {
  api.webRequest.onSendHeaders.addListener(onSignInHeaders, { urls: SSO_URL_FILTER, types: ['main_frame'] }, ['requestHeaders', 'extraHeaders']);
} catch {
  api.webRequest.onSendHeaders.addListener(onSignInHeaders, { urls: SSO_URL_FILTER, types: ['main_frame'] }, ['requestHeaders']);
}

api.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  // Only our own pages (the popup) may drive flows.
  const own = sender?.id === api.runtime.id
    && typeof sender?.url === 'string'
    && sender.url.startsWith(api.runtime.getURL(''));
  if (!own || !msg || typeof msg !== 'object') return false;
  let work;
  switch (msg.type) {
    case 'getState':
      work = manager.snapshot();
      break;
    case 'choose':
      work = manager.choose(String(msg.id ?? ''), String(msg.roleArn ?? ''), {
        remember: msg.remember === true,
        duration: msg.duration,
      });
      break;
    case 'confirm':
      work = manager.confirm(String(msg.id ?? ''), msg.confirmed === true);
      break;
    case 'cancel':
      work = manager.cancel(String(msg.id ?? ''));
      break;
    case 'clearHistory':
      work = manager.clearHistory();
      break;
    default:
      return false;
  }
  work.then(sendResponse, (e) => sendResponse({ ok: false, error: e?.message ?? String(e) }));
  return true; // answer asynchronously
});

api.storage.onChanged.addListener((changes, area) => {
  if (area === 'local' && KEYS.paused in changes) void updateBadge();
});

let lastNeedsChoice = new Set();

async function updateBadge() {
  if (!api.action?.setBadgeText) return;
  try {
    const waiting = [...manager.open.values()].filter((f) => f.record.state === 'needs_choice' || f.record.state === 'needs_confirm');
    const paused = await manager.isPaused();
    let textValue = '';
    let color = '#888888';
    if (waiting.length > 0) {
      textValue = '?';
      color = '#d35400';
    } else if (paused) {
      textValue = 'off';
    }
    await api.action.setBadgeText({ text: textValue });
    await api.action.setBadgeBackgroundColor({ color });
    // A new role question: open the popup where the browser allows it.
    const ids = new Set(waiting.map((f) => f.record.id));
    const fresh = [...ids].some((id) => !lastNeedsChoice.has(id));
    lastNeedsChoice = ids;
    if (fresh && api.action.openPopup) await api.action.openPopup().catch(() => {});
  } catch {
    // badge is cosmetic
  }
}

void manager.start().then(updateBadge);

// One line per start of the worker / event page (nothing secret): how a
// cold start after the browser suspended it can be seen in the browser's
// output (the Firefox end-to-end tests count these).
console.info('ramsso: background started');
