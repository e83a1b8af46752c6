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

// The SSO POST from the IdP is a navigation.
api.webRequest.onBeforeRequest.addListener(
  onSignInRequest,
  { urls: SSO_URL_FILTER, types: ['main_frame', 'sub_frame'] },
  ['requestBody'],
);
// The console's role chooser POST may also be an XHR/fetch.
api.webRequest.onBeforeRequest.addListener(
  onSignInRequest,
  { urls: [...ENTRANCE_PATTERNS], types: [...ENTRANCE_TYPES] },
  ['requestBody'],
);

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
      work = manager.choose(String(msg.id ?? ''), String(msg.roleArn ?? ''));
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
    const waiting = [...manager.open.values()].filter((f) => f.record.state === 'needs_choice');
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
