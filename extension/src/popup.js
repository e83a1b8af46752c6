// The toolbar popup: host status, permission state, the live flow (with the
// role picker on needs_choice), recent flows and the pause switch.
// It reads non-secret state from storage.local; the background worker owns
// the native ports, so choices and cancels go to it by runtime.sendMessage.

import { api, lastError } from './lib/compat.js';
import { HOST_PERMISSIONS, KEYS, PROTOCOL } from './lib/constants.js';
import { isFinal } from './lib/flows.js';
import { ping } from './lib/host.js';
import { filterRoles, flattenGroups, groupRoles, moveSelection } from './lib/roles.js';
import { describeFlow, idpOf, roleText, stateText } from './lib/view.js';

const $ = (id) => document.getElementById(id);

/** Builds an element; children may be strings (as text, never HTML). */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

/** Text with `backticked` parts shown as code. */
function withCode(text) {
  return String(text).split(/(`[^`]+`)/).map((p) => (
    p.startsWith('`') && p.endsWith('`') && p.length > 1 ? el('code', {}, p.slice(1, -1)) : p));
}

function send(msg) {
  return api.runtime.sendMessage(msg).catch((e) => ({ ok: false, error: e?.message ?? String(e) }));
}

// ---- host ---------------------------------------------------------------

async function showHost() {
  const box = $('host');
  const r = await ping({
    connectNative: (n) => api.runtime.connectNative(n), lastError, version: api.runtime.getManifest?.().version ?? '',
  });
  box.replaceChildren();
  if (r.found) {
    box.append(el('p', { class: r.compatible ? 'ok' : 'bad' },
      `ramsso-host ${r.version || '(unknown version)'} · protocol ${r.protocol}`));
    if (!r.compatible) {
      box.append(el('p', { class: 'remedy' },
        r.remedy ?? `This extension speaks protocol ${PROTOCOL}: update ramsso or the extension so they match.`));
    }
  } else {
    box.append(el('p', { class: 'bad' }, r.error.message));
    if (r.error.remedy) box.append(el('p', { class: 'remedy' }, 'Fix: ', withCode(r.error.remedy)));
    if (r.state === 'host_missing') {
      box.append(el('p', { class: 'muted' },
        'Install the ramsso CLI, then ', el('code', {}, 'ramsso install'),
        ' registers ramsso-host with this browser. ', el('code', {}, 'ramsso doctor'), ' checks the setup.'));
    }
  }
  box.dataset.state = r.found ? 'found' : r.state;
}

// ---- permissions ----------------------------------------------------------

async function showPermissions() {
  const box = $('perms');
  let allowed = false;
  try {
    allowed = await api.permissions.contains({ origins: [...HOST_PERMISSIONS] });
  } catch {
    allowed = false;
  }
  box.replaceChildren();
  box.dataset.allowed = String(allowed);
  if (allowed) {
    box.append(el('p', { class: 'ok' }, 'Capture allowed on the Alibaba Cloud sign-in hosts'));
    box.hidden = false;
    return;
  }
  box.append(
    el('p', { class: 'bad' }, 'Capture is not allowed on the Alibaba Cloud sign-in hosts.'),
    el('p', { class: 'muted' }, 'The browser needs your permission before ramsso can see the SAML sign-in.'),
    el('button', {
      type: 'button',
      class: 'primary',
      onclick: async () => {
        try {
          await api.permissions.request({ origins: [...HOST_PERMISSIONS] });
        } catch {
          // refused or not from a user gesture
        }
        void showPermissions();
      },
    }, 'Allow capture'),
  );
  box.hidden = false;
}

// ---- pause ---------------------------------------------------------------

function showPaused(paused) {
  $('capture-on').checked = !paused;
  $('capture-label').textContent = paused ? 'Capture paused' : 'Capture on';
}

$('capture-on').addEventListener('change', (ev) => {
  const paused = !ev.target.checked;
  showPaused(paused);
  void api.storage.local.set({ [KEYS.paused]: paused });
});

// ---- live flows and the role picker ------------------------------------------

/** Picker state survives re-renders of the rest of the popup. */
const picker = { flowId: null, rolesKey: '', query: '', index: 0, node: null, remember: false, duration: 0 };

/** The popup picker's session durations: label, seconds (0: the setting). */
const DURATIONS = [
  ['as set in ramsso', 0], ['15 minutes', 900], ['30 minutes', 1800], ['1 hour', 3600], ['2 hours', 7200],
  ['4 hours', 14400], ['8 hours', 28800], ['12 hours', 43200],
];

function renderPicker(rec) {
  const roles = Array.isArray(rec.roles) ? rec.roles : [];
  const rolesKey = roles.map((r) => r.roleArn).join('|');
  if (picker.node && picker.flowId === rec.id && picker.rolesKey === rolesKey) return picker.node;
  if (picker.flowId !== rec.id) {
    picker.query = '';
    picker.index = 0;
  }
  picker.flowId = rec.id;
  picker.rolesKey = rolesKey;

  const listId = `roles-${rec.id}`;
  const input = el('input', {
    type: 'search',
    placeholder: 'Filter by account, alias or role',
    'aria-label': 'Filter roles',
    'aria-controls': listId,
    role: 'combobox',
    'aria-expanded': 'true',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  input.value = picker.query;
  const list = el('div', { role: 'listbox', id: listId, 'aria-label': 'Roles', tabindex: '-1' });
  const status = el('p', { class: 'muted hint', 'aria-live': 'polite' });
  let visible = [];

  const remember = el('input', { type: 'checkbox', id: `remember-${rec.id}`, class: 'remember' });
  remember.checked = picker.remember === true;
  remember.addEventListener('change', () => { picker.remember = remember.checked; });
  const duration = el('select', { id: `duration-${rec.id}`, class: 'duration', 'aria-label': 'Session duration' },
    ...DURATIONS.map(([label, secs]) => el('option', { value: String(secs) }, label)));
  duration.value = String(picker.duration ?? 0);
  duration.addEventListener('change', () => { picker.duration = Number(duration.value); });

  const choose = async (roleArn) => {
    status.textContent = `Using ${roleText(roleArn)}…`;
    const msg = { type: 'choose', id: rec.id, roleArn, remember: remember.checked };
    const secs = Number(duration.value);
    if (secs > 0) msg.duration = secs;
    const r = await send(msg);
    if (!r?.ok) status.textContent = r?.error || 'Could not send the choice.';
  };

  const draw = () => {
    visible = flattenGroups(groupRoles(filterRoles(roles, picker.query)));
    if (picker.index >= visible.length) picker.index = visible.length - 1;
    if (picker.index < 0 && visible.length > 0) picker.index = 0;
    list.replaceChildren();
    let n = 0;
    for (const g of groupRoles(filterRoles(roles, picker.query))) {
      const gid = `${listId}-g-${g.accountId}`;
      const group = el('div', { role: 'group', 'aria-labelledby': gid },
        el('div', { class: 'account', id: gid }, g.label));
      for (const r of g.roles) {
        const i = n++;
        const selected = i === picker.index;
        group.append(el('div', {
          role: 'option',
          id: `${listId}-o-${i}`,
          'aria-selected': String(selected),
          title: r.roleArn,
          onclick: () => void choose(r.roleArn),
          onmousemove: () => {
            if (picker.index !== i) {
              picker.index = i;
              draw();
            }
          },
        }, r.roleName));
      }
      list.append(group);
    }
    if (visible.length === 0) list.append(el('p', { class: 'muted none' }, 'No role matches.'));
    const active = visible.length > 0 ? `${listId}-o-${picker.index}` : '';
    if (active) {
      input.setAttribute('aria-activedescendant', active);
      list.querySelector(`#${CSS.escape(active)}`)?.scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
    status.textContent = `${visible.length} of ${roles.length} roles · ↑↓ to move, Enter to use`;
  };

  input.addEventListener('input', () => {
    picker.query = input.value;
    picker.index = 0;
    draw();
  });
  input.addEventListener('keydown', (ev) => {
    const step = { ArrowDown: 1, ArrowUp: -1, PageDown: 8, PageUp: -8 }[ev.key];
    if (step !== undefined) {
      ev.preventDefault();
      picker.index = moveSelection(picker.index, step, visible.length);
      draw();
    } else if (ev.key === 'Home' && ev.ctrlKey) {
      picker.index = 0;
      draw();
    } else if (ev.key === 'End' && ev.ctrlKey) {
      picker.index = visible.length - 1;
      draw();
    } else if (ev.key === 'Enter') {
      ev.preventDefault();
      const r = visible[picker.index];
      if (r) void choose(r.roleArn);
    } else if (ev.key === 'Escape' && input.value) {
      ev.preventDefault();
      input.value = '';
      picker.query = '';
      draw();
    }
  });

  draw();
  picker.node = el('div', { class: 'card picker', 'data-flow': rec.id },
    el('h3', {}, `Choose a role · ${idpOf(rec)}`),
    input, list, status,
    el('div', { class: 'options' },
      el('label', { for: `duration-${rec.id}` }, 'Session ', duration),
      el('label', { for: `remember-${rec.id}` }, remember, ' Remember this choice for this IdP')),
    el('div', { class: 'actions' },
      el('button', { type: 'button', onclick: () => void send({ type: 'cancel', id: rec.id }) }, 'Cancel')));
  setTimeout(() => input.focus(), 0);
  return picker.node;
}

/**
 * The first sign-in from an IdP or account ramsso has not seen: say where it
 * came from and let the person confirm it or refuse it. Every value is set
 * as text (never HTML).
 */
function renderConfirm(rec) {
  const c = rec.confirm;
  const what = [c.newIssuer ? 'identity provider' : '', c.newAccount ? 'Alibaba Cloud account' : ''].filter(Boolean).join(' and ');
  const status = el('p', { class: 'muted hint', 'aria-live': 'polite' });
  const answer = async (yes) => {
    status.textContent = yes ? 'Getting credentials…' : 'Refused: nothing is stored.';
    const r = await send({ type: 'confirm', id: rec.id, confirmed: yes });
    if (!r?.ok) status.textContent = r?.error || 'Could not send the answer.';
  };
  return el('div', { class: 'card confirm', 'data-flow': rec.id, 'data-state': 'needs_confirm' },
    el('h3', {}, `First sign-in from this ${what || 'source'}`),
    el('p', {}, 'Only continue if you just signed in to the Alibaba Cloud console yourself.'),
    el('dl', {},
      el('dt', {}, 'From page'), el('dd', { class: 'page' }, c.page || 'unknown'),
      el('dt', {}, 'IdP'), el('dd', { class: 'issuer' }, c.issuer),
      c.subject ? [el('dt', {}, 'User'), el('dd', {}, c.subject)] : null,
      el('dt', {}, 'Account'), el('dd', { class: 'account' }, c.accountId),
      el('dt', {}, 'Role'), el('dd', {}, roleText(c.roleArn))),
    status,
    el('div', { class: 'actions' },
      el('button', { type: 'button', class: 'primary', id: `confirm-${rec.id}`, onclick: () => void answer(true) }, 'Yes, it was me'),
      el('button', { type: 'button', id: `refuse-${rec.id}`, onclick: () => void answer(false) }, 'No, refuse')));
}

function renderActive(flows) {
  const box = $('active');
  const open = flows.filter((r) => !isFinal(r.state));
  const nodes = [];
  for (const rec of open) {
    if (rec.state === 'needs_choice' && Array.isArray(rec.roles) && rec.roles.length > 0) {
      nodes.push(renderPicker(rec));
      continue;
    }
    if (rec.state === 'needs_confirm' && rec.confirm) {
      nodes.push(renderConfirm(rec));
      continue;
    }
    const d = describeFlow(rec, Date.now());
    nodes.push(el('div', { class: 'card', 'data-flow': rec.id, 'data-state': rec.state },
      el('div', { class: 'row' },
        el('p', { class: `${d.tone} grow strong` }, stateText(rec.state)),
        el('button', { type: 'button', onclick: () => void send({ type: 'cancel', id: rec.id }) }, 'Cancel')),
      d.lines.map((l) => el('p', { class: 'muted' }, l))));
  }
  if (!open.some((r) => r.id === picker.flowId && r.state === 'needs_choice')) {
    picker.flowId = null;
    picker.node = null;
  }
  box.replaceChildren(...nodes);
}

function renderHistory(flows) {
  const list = $('history');
  const done = flows.filter((r) => isFinal(r.state));
  const now = Date.now();
  list.replaceChildren(...done.map((rec) => {
    const d = describeFlow(rec, now);
    return el('li', { 'data-state': rec.state },
      el('p', { class: `title ${d.tone}` }, d.title),
      d.lines.map((l) => el('p', {}, l)),
      d.remedy ? el('p', { class: 'remedy' }, 'Fix: ', withCode(d.remedy)) : null);
  }));
  $('empty').hidden = done.length > 0;
  $('clear').hidden = done.length === 0;
}

function render(flows) {
  renderActive(flows);
  renderHistory(flows);
}

$('clear').addEventListener('click', () => void send({ type: 'clearHistory' }));

api.storage.onChanged.addListener((changes, area) => {
  if (area !== 'local') return;
  if (KEYS.history in changes) render(changes[KEYS.history].newValue ?? []);
  if (KEYS.paused in changes) showPaused(changes[KEYS.paused].newValue === true);
});

async function main() {
  const v = await api.storage.local.get([KEYS.history, KEYS.paused]);
  showPaused(v[KEYS.paused] === true);
  render(Array.isArray(v[KEYS.history]) ? v[KEYS.history] : []);
  await Promise.all([showHost(), showPermissions()]);
  document.body.dataset.ready = 'true';
}

void main();
