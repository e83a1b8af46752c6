// Test doubles for the browser APIs FlowManager and ping() use.

/** A native messaging port double. */
export class FakePort {
  constructor(name) {
    this.name = name;
    this.sent = [];
    this.disconnected = false;
    this.msgListeners = [];
    this.discListeners = [];
    this.onMessage = { addListener: (fn) => this.msgListeners.push(fn) };
    this.onDisconnect = { addListener: (fn) => this.discListeners.push(fn) };
    this.error = null;
  }

  postMessage(msg) {
    if (this.disconnected) throw new Error('Attempting to use a disconnected port object');
    // structured clone, as the browser does
    this.sent.push(JSON.parse(JSON.stringify(msg)));
  }

  disconnect() {
    this.disconnected = true;
  }

  /** The host sends a message. */
  reply(msg) {
    for (const fn of this.msgListeners) fn(msg);
  }

  /** The host side closes; `error` mimics Firefox's port.error. */
  hostClose(error) {
    this.disconnected = true;
    if (error) this.error = { message: error };
    for (const fn of this.discListeners) fn(this);
  }

  types() {
    return this.sent.map((m) => m.type);
  }
}

/** chrome.runtime.connectNative double that records every port. */
export function fakeNative() {
  const ports = [];
  const state = { lastError: undefined, throwError: null };
  return {
    ports,
    state,
    connectNative(name) {
      if (state.throwError) throw new Error(state.throwError);
      const p = new FakePort(name);
      ports.push(p);
      return p;
    },
    lastError: () => state.lastError,
    /** Closes a port the Chrome way: runtime.lastError set only during the callback. */
    chromeClose(port, message) {
      state.lastError = message ? { message } : undefined;
      port.disconnected = true;
      for (const fn of port.discListeners) fn(port);
      state.lastError = undefined;
    },
  };
}

/** chrome.storage.{local,session} double that logs every write. */
export class FakeStorage {
  constructor(initial = {}) {
    this.data = JSON.parse(JSON.stringify(initial));
    this.writes = [];
  }

  async get(keys) {
    const list = keys == null ? Object.keys(this.data) : Array.isArray(keys) ? keys : [keys];
    const out = {};
    for (const k of list) if (k in this.data) out[k] = JSON.parse(JSON.stringify(this.data[k]));
    return out;
  }

  async set(obj) {
    const json = JSON.stringify(obj);
    this.writes.push(json);
    Object.assign(this.data, JSON.parse(json));
  }
}

/** A manual clock with timers. */
export class FakeClock {
  constructor(start = 1_700_000_000_000) {
    this.t = start;
    this.timers = new Map();
    this.seq = 0;
    this.now = () => this.t;
    this.setTimer = (fn, ms) => {
      const id = ++this.seq;
      this.timers.set(id, { at: this.t + ms, fn });
      return id;
    };
    this.clearTimer = (id) => {
      this.timers.delete(id);
    };
  }

  advance(ms) {
    const until = this.t + ms;
    for (;;) {
      let next = null;
      for (const [id, tm] of this.timers) if (tm.at <= until && (!next || tm.at < next[1].at)) next = [id, tm];
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = until;
  }

  pending() {
    return this.timers.size;
  }
}

/** Waits for queued promise work (storage writes) to settle. */
export const settle = () => new Promise((r) => setTimeout(r, 0));
