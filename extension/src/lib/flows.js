// The extension's side of a capture flow: one native port per flow, linked to
// the tab that POSTed the assertion. The host owns the role decision; this
// module forwards what the browser saw, mirrors the host's state for the
// popup, and makes sure every flow ends (done, error, timeout, disconnect).
//
// Secret handling: the SAMLResponse is posted to the port and otherwise only
// hashed. Records written to storage.local are built from an allow-list of
// non-secret fields (publicRecord); storage.session holds tab links with the
// assertion's SHA-256, never the assertion.

import { FLOW_TIMEOUT_MS, HISTORY_LIMIT, HOST_NAME, KEYS } from './constants.js';
import { classifyDisconnect } from './host.js';
import { classifyRequest } from './request.js';
import { normalizeRole, normalizeRoles } from './roles.js';

/** States reported by the host in `status` messages. */
export const HOST_STATES = Object.freeze([
  'deciding', 'waiting_console', 'asking_tray', 'needs_choice', 'needs_confirm', 'exchanging',
]);

/** States after which a flow is over. */
export const FINAL_STATES = Object.freeze([
  'done', 'error', 'timeout', 'cancelled', 'superseded', 'interrupted',
  'host_missing', 'host_forbidden', 'host_exited', 'disconnected',
]);

const FINAL = new Set(FINAL_STATES);
const MAX_TEXT = 500;

/** True when a flow in this state is over. */
export function isFinal(state) {
  return FINAL.has(state);
}

/** Hex SHA-256 of a SAMLResponse with whitespace removed (WebCrypto). */
export async function samlHash(samlResponse) {
  const bytes = new TextEncoder().encode(String(samlResponse).replace(/\s+/g, ''));
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function text(v) {
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t === '' ? undefined : t.slice(0, MAX_TEXT);
}

function cleanError(e, fallbackCode = 'host_error') {
  const o = e && typeof e === 'object' ? e : {};
  return {
    code: text(o.code) ?? fallbackCode,
    message: text(o.message) ?? 'ramsso-host reported an error',
    remedy: text(o.remedy) ?? '',
  };
}

const PUBLIC_FIELDS = [
  'id', 'tabId', 'site', 'initiator', 'issuer', 'state', 'roles', 'targetRole',
  'chosenRole', 'roleArn', 'accountAlias', 'profile', 'expiration', 'error', 'warning', 'startedAt', 'updatedAt', 'endedAt',
  'confirm',
];

/**
 * The storable view of a flow record: an allow-list of non-secret fields.
 * Anything not listed (however it got onto the record) is dropped.
 */
export function publicRecord(rec) {
  const out = {};
  for (const k of PUBLIC_FIELDS) {
    if (rec[k] !== undefined) out[k] = rec[k];
  }
  if (out.roles) {
    out.roles = out.roles.map((r) => ({
      roleArn: r.roleArn, providerArn: r.providerArn, accountId: r.accountId,
      roleName: r.roleName, accountAlias: r.accountAlias,
    }));
  }
  if (out.error) out.error = { code: out.error.code, message: out.error.message, remedy: out.error.remedy };
  if (out.confirm) out.confirm = cleanConfirm(out.confirm);
  return out;
}

/** The origin of a Referer value, or undefined. */
export function pageOrigin(referer) {
  try {
    const u = new URL(String(referer ?? ''));
    return u.origin === 'null' ? undefined : u.origin;
  } catch {
    return undefined;
  }
}

/**
 * The host's first-seen question (needs_confirm), reduced to the fields the
 * popup shows. All text is from the unverified assertion or the browser.
 */
export function cleanConfirm(c) {
  if (!c || typeof c !== 'object') return undefined;
  return {
    issuer: text(c.issuer) ?? '',
    subject: text(c.subject),
    accountId: text(c.accountId) ?? '',
    roleArn: text(c.roleArn) ?? '',
    page: text(c.page),
    newIssuer: c.newIssuer === true,
    newAccount: c.newAccount === true,
  };
}

/**
 * Owns every open flow. All browser access is injected, so Node tests drive
 * it with fakes:
 *   connectNative(name) -> Port {postMessage, disconnect, onMessage, onDisconnect}
 *   local, session: {get(keys) -> Promise<object>, set(object) -> Promise}
 *   lastError() -> {message}|undefined (Chrome's runtime.lastError)
 *   now() -> ms, setTimer(fn, ms) -> handle, clearTimer(handle), uuid() -> string,
 *   hash(saml) -> Promise<string>, onChange(manager) -> void
 */
export class FlowManager {
  constructor(deps) {
    this.connectNative = deps.connectNative;
    this.local = deps.local;
    this.session = deps.session;
    this.lastError = deps.lastError ?? (() => undefined);
    this.now = deps.now ?? Date.now;
    this.setTimer = deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = deps.clearTimer ?? ((h) => clearTimeout(h));
    this.uuid = deps.uuid ?? (() => globalThis.crypto.randomUUID());
    this.hash = deps.hash ?? samlHash;
    this.onChange = deps.onChange ?? (() => {});
    this.timeoutMs = deps.timeoutMs ?? FLOW_TIMEOUT_MS;
    this.historyLimit = deps.historyLimit ?? HISTORY_LIMIT;
    /** @type {Map<string, {record: any, samlHash: string, port: any, timer: any, closed: boolean}>} */
    this.open = new Map();
    /** Flow records, newest first. */
    this.history = [];
    /** tabId -> {id, samlHash, state}: the latest flow of each tab. */
    this.tabs = {};
    this.ready = null;
    this.writes = Promise.resolve();
  }

  /** Loads persisted state once; every entry point awaits it. */
  start() {
    this.ready ??= this.load();
    return this.ready;
  }

  async load() {
    const [l, s] = await Promise.all([
      this.local.get([KEYS.history]).catch(() => ({})),
      this.session.get([KEYS.tabs]).catch(() => ({})),
    ]);
    this.history = Array.isArray(l?.[KEYS.history]) ? l[KEYS.history].filter((r) => r && r.id) : [];
    const tabs = s?.[KEYS.tabs];
    this.tabs = tabs && typeof tabs === 'object' ? { ...tabs } : {};
    // A fresh worker has no ports: whatever was still open is lost.
    let changed = false;
    for (const rec of this.history) {
      if (!isFinal(rec.state)) {
        rec.state = 'interrupted';
        rec.error = {
          code: 'interrupted',
          message: 'the browser stopped the extension before ramsso-host reported a result',
          remedy: 'sign in again; if it keeps happening run `ramsso doctor`',
        };
        delete rec.roles;
        rec.endedAt = rec.updatedAt = this.now();
        changed = true;
      }
    }
    for (const t of Object.values(this.tabs)) {
      if (t && !isFinal(t.state)) {
        t.state = 'interrupted';
        changed = true;
      }
    }
    if (changed) await this.persist();
  }

  async isPaused() {
    const v = await this.local.get([KEYS.paused]).catch(() => ({}));
    return v?.[KEYS.paused] === true;
  }

  /**
   * Entry point for webRequest.onBeforeRequest. The body is parsed before the
   * first await. Returns what was done (for tests and logs; never secret).
   */
  async handleRequest(details) {
    const req = classifyRequest(details);
    if (!req) return { ignored: 'not_relevant' };
    await this.start();
    if (await this.isPaused()) return { ignored: 'paused' };
    if (req.kind === 'capture') return this.capture(req);
    return this.consoleChoice(req);
  }

  /** The open flow of a tab, if any. */
  openFlowForTab(tabId) {
    for (const f of this.open.values()) {
      if (!f.closed && f.record.tabId === tabId) return f;
    }
    return undefined;
  }

  /** Starts a flow: opens a port and sends `capture`. */
  async capture(req) {
    await this.start();
    const hash = await this.hash(req.samlResponse);
    const existing = this.openFlowForTab(req.tabId);
    if (existing) {
      if (existing.samlHash === hash) {
        if (req.targetRole && !existing.record.targetRole) {
          return this.sendConsoleChoice(existing, req.targetRole);
        }
        return { ignored: 'duplicate', id: existing.record.id };
      }
      this.post(existing, { type: 'cancel', id: existing.record.id });
      this.finish(existing, 'superseded', {
        code: 'superseded',
        message: 'a newer sign-in in the same tab replaced this one',
        remedy: '',
      });
    }
    const id = this.uuid();
    const t = this.now();
    const record = {
      id,
      tabId: req.tabId,
      site: req.site,
      initiator: req.initiator || undefined,
      state: 'starting',
      startedAt: t,
      updatedAt: t,
    };
    if (req.targetRole) record.targetRole = req.targetRole;
    const flow = { record, samlHash: hash, port: null, timer: null, closed: false };
    this.open.set(id, flow);
    this.history.unshift(record);
    this.tabs[String(req.tabId)] = { id, samlHash: hash, state: record.state };

    let port;
    try {
      port = this.connectNative(HOST_NAME);
    } catch (e) {
      const c = classifyDisconnect(e?.message);
      this.finish(flow, c.state, c.error);
      return { id, state: record.state };
    }
    flow.port = port;
    port.onMessage.addListener((msg) => this.onHostMessage(flow, msg));
    port.onDisconnect.addListener((p) => {
      // Read the reason now: Chrome clears runtime.lastError after the callback.
      const reason = p?.error?.message ?? this.lastError()?.message;
      this.onDisconnect(flow, reason);
    });
    flow.timer = this.setTimer(() => this.onTimeout(flow), this.timeoutMs);

    const msg = {
      type: 'capture',
      id,
      tabId: req.tabId,
      url: req.url,
      initiator: req.initiator ?? '',
      samlResponse: req.samlResponse,
    };
    if (req.relayState !== undefined) msg.relayState = req.relayState;
    if (req.targetRole) msg.targetRole = req.targetRole;
    this.post(flow, msg);
    this.changed();
    return { id, state: record.state };
  }

  /** Handles the console chooser's POST. */
  async consoleChoice(req) {
    await this.start();
    const hash = req.samlResponse ? await this.hash(req.samlResponse) : null;
    const flow = this.openFlowForTab(req.tabId);
    if (flow && (hash === null || hash === flow.samlHash)) {
      return this.sendConsoleChoice(flow, req.targetRole);
    }
    const tab = this.tabs[String(req.tabId)];
    if (tab && hash && tab.samlHash === hash && (tab.state === 'done' || tab.state === 'cancelled')) {
      // The host already settled this assertion (intent, one role, remembered choice).
      return { ignored: `already_${tab.state}`, id: tab.id };
    }
    if (!req.samlResponse) return { ignored: 'no_flow' };
    // No live flow (worker restarted, port gone): start one with the choice.
    return this.capture({ ...req, kind: 'capture' });
  }

  sendConsoleChoice(flow, targetRole) {
    flow.record.targetRole = targetRole;
    this.post(flow, { type: 'consoleChoice', id: flow.record.id, targetRole });
    this.touch(flow);
    return { id: flow.record.id, sent: 'consoleChoice' };
  }

  /** The popup's role choice. */
  async choose(id, roleArn, opts = {}) {
    await this.start();
    const flow = this.open.get(id);
    if (!flow || flow.closed) return { ok: false, error: 'This sign-in is no longer waiting for a role.' };
    const role = normalizeRole(roleArn);
    if (!role) return { ok: false, error: 'Not a RAM role ARN.' };
    const roles = flow.record.roles;
    if (Array.isArray(roles) && roles.length > 0 && !roles.some((r) => r.roleArn === role.roleArn)) {
      return { ok: false, error: 'That role is not in this sign-in.' };
    }
    const msg = { type: 'choose', id, roleArn: role.roleArn };
    // Optional (host protocol 1 accepts both): remember the answer for
    // this IdP and role set; a session duration in whole seconds.
    if (opts.remember === true) msg.remember = true;
    const duration = Number(opts.duration);
    if (Number.isInteger(duration) && duration >= 900 && duration <= 43200) msg.duration = duration;
    if (!this.post(flow, msg)) {
      return { ok: false, error: 'The connection to ramsso-host is closed.' };
    }
    flow.record.chosenRole = role.roleArn;
    flow.record.state = 'exchanging';
    delete flow.record.roles;
    this.touch(flow);
    return { ok: true };
  }

  /**
   * Notes the page a sign-in POST came from (its Referer origin), by tab,
   * for a first-seen question whose host-side page is unknown.
   */
  notePage(details) {
    const h = (details?.requestHeaders ?? []).find((x) => String(x?.name).toLowerCase() === 'referer');
    const origin = pageOrigin(h?.value);
    if (!origin || typeof details.tabId !== 'number') return;
    this.pages ??= new Map();
    this.pages.set(details.tabId, origin);
    for (const flow of this.open.values()) {
      const rec = flow.record;
      if (rec.tabId === details.tabId && rec.state === 'needs_confirm' && rec.confirm && !rec.confirm.page) {
        rec.confirm.page = origin;
        this.touch(flow);
      }
    }
  }

  /** The popup's answer to a first-seen question (needs_confirm). */
  async confirm(id, confirmed) {
    await this.start();
    const flow = this.open.get(id);
    if (!flow || flow.closed || flow.record.state !== 'needs_confirm') {
      return { ok: false, error: 'This sign-in is no longer waiting for a confirmation.' };
    }
    if (!this.post(flow, { type: 'confirm', id, confirmed: confirmed === true })) {
      return { ok: false, error: 'The connection to ramsso-host is closed.' };
    }
    flow.record.state = confirmed ? 'exchanging' : 'deciding';
    delete flow.record.confirm;
    this.touch(flow);
    return { ok: true };
  }

  /** The popup's cancel button. */
  async cancel(id) {
    await this.start();
    const flow = this.open.get(id);
    if (!flow || flow.closed) return { ok: false, error: 'This sign-in is already over.' };
    this.post(flow, { type: 'cancel', id });
    this.finish(flow, 'cancelled', { code: 'cancelled', message: 'cancelled from the extension', remedy: '' });
    return { ok: true };
  }

  /** Drops finished flows from the history. */
  async clearHistory() {
    await this.start();
    this.history = this.history.filter((r) => !isFinal(r.state));
    await this.persist();
    this.onChange(this);
    return { ok: true };
  }

  onHostMessage(flow, msg) {
    if (flow.closed || !msg || typeof msg !== 'object' || typeof msg.type !== 'string') return;
    if (msg.id !== undefined && msg.id !== flow.record.id) return;
    const rec = flow.record;
    const issuer = text(msg.issuer);
    if (issuer) rec.issuer = issuer;
    switch (msg.type) {
      case 'status': {
        const state = text(msg.state);
        if (!state || !/^[a-z_]{1,40}$/.test(state) || isFinal(state)) return;
        rec.state = state;
        if (Array.isArray(msg.roles)) {
          rec.roles = normalizeRoles(msg.roles);
          flow.knownRoles = rec.roles;
        }
        else if (state !== 'needs_choice') delete rec.roles;
        if (state === 'needs_confirm') {
          rec.confirm = cleanConfirm(msg.confirm);
          if (rec.confirm && !rec.confirm.page) rec.confirm.page = this.pages?.get(rec.tabId) ?? rec.initiator;
        } else delete rec.confirm;
        this.touch(flow);
        return;
      }
      case 'done': {
        rec.profile = text(msg.profile);
        rec.roleArn = text(msg.roleArn);
        rec.expiration = text(msg.expiration);
        // Keep the account alias the host showed in the picker, if any.
        const known = flow.knownRoles?.find((r) => r.roleArn === rec.roleArn);
        rec.accountAlias = text(msg.accountAlias) ?? (known?.accountAlias || undefined);
        this.finish(flow, 'done');
        return;
      }
      case 'error':
        // The host answers a consoleChoice or choose naming a role outside
        // the assertion with bad_role and keeps waiting: not the end.
        if (msg.error && msg.error.code === 'bad_role') {
          rec.warning = cleanError(msg.error);
          this.touch(flow);
          return;
        }
        this.finish(flow, 'error', cleanError(msg.error));
        return;
      default:
        // pong or a newer message type: nothing to do.
    }
  }

  onDisconnect(flow, reason) {
    if (flow.closed) return;
    flow.port = null; // already closed by the other side
    const c = classifyDisconnect(reason);
    this.finish(flow, c.state, c.error);
  }

  onTimeout(flow) {
    if (flow.closed) return;
    this.finish(flow, 'timeout', {
      code: 'timeout',
      message: `ramsso-host did not finish within ${Math.round(this.timeoutMs / 1000)} s`,
      remedy: 'sign in again; if it keeps happening run `ramsso doctor`',
    });
  }

  /** Posts to a flow's port; false when the port is gone. */
  post(flow, msg) {
    if (!flow.port || flow.closed) return false;
    try {
      flow.port.postMessage(msg);
      return true;
    } catch (e) {
      const c = classifyDisconnect(e?.message);
      this.finish(flow, c.state, c.error);
      return false;
    }
  }

  /** Ends a flow: final state, timer cleared, port closed (the host then exits). */
  finish(flow, state, error) {
    if (flow.closed) return;
    flow.closed = true;
    if (flow.timer !== null) this.clearTimer(flow.timer);
    flow.timer = null;
    const rec = flow.record;
    rec.state = state;
    if (error) rec.error = error;
    delete rec.roles;
    rec.endedAt = rec.updatedAt = this.now();
    this.open.delete(rec.id);
    const tab = this.tabs[String(rec.tabId)];
    if (tab && tab.id === rec.id) tab.state = state;
    const port = flow.port;
    flow.port = null;
    if (port) {
      try {
        port.disconnect();
      } catch {
        // already closed
      }
    }
    this.changed();
  }

  touch(flow) {
    flow.record.updatedAt = this.now();
    const tab = this.tabs[String(flow.record.tabId)];
    if (tab && tab.id === flow.record.id) tab.state = flow.record.state;
    this.changed();
  }

  changed() {
    void this.persist();
    try {
      this.onChange(this);
    } catch {
      // a UI hook must not break a flow
    }
  }

  /** Writes history (storage.local) and tab links (storage.session), in order. */
  persist() {
    if (this.history.length > this.historyLimit) {
      const keep = this.history.slice(0, this.historyLimit);
      // never drop a flow that is still open
      for (const r of this.history.slice(this.historyLimit)) if (this.open.has(r.id)) keep.push(r);
      this.history = keep;
    }
    const history = this.history.map(publicRecord);
    // Tab links only matter for flows still in the history.
    const ids = new Set(this.history.map((r) => r.id));
    for (const [tab, link] of Object.entries(this.tabs)) {
      if (!link || !ids.has(link.id)) delete this.tabs[tab];
    }
    const tabs = JSON.parse(JSON.stringify(this.tabs));
    this.writes = this.writes
      .then(() => Promise.all([
        this.local.set({ [KEYS.history]: history }),
        this.session.set({ [KEYS.tabs]: tabs }),
      ]))
      .catch(() => {});
    return this.writes;
  }

  /** Non-secret view for the popup. */
  async snapshot() {
    await this.start();
    return {
      paused: await this.isPaused(),
      history: this.history.map(publicRecord),
      open: [...this.open.keys()],
    };
  }
}
