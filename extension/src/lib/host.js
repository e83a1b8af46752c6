// Talking to ramsso-host outside a flow: the ping the popup uses, and how a
// port that closed is explained to the user. Pure apart from the injected
// connectNative; importable by Node.

import {
  HOST_NAME, INSTALL_REMEDY, MIN_PROTOCOL, PING_TIMEOUT_MS, PROTOCOL,
} from './constants.js';

const DOCTOR_REMEDY = 'run `ramsso doctor` (the host log is under RAMSSO_HOME)';

/**
 * Explains why a native port closed, from the browser's error message
 * (Chrome: runtime.lastError; Firefox: port.error). Returns the flow state
 * and a user-facing error with a remedy.
 * @param {string|undefined} message
 * @returns {{state: string, error: {code: string, message: string, remedy: string}}}
 */
export function classifyDisconnect(message) {
  const m = typeof message === 'string' ? message.trim() : '';
  if (/not found|no such native application|not installed/i.test(m)) {
    return {
      state: 'host_missing',
      error: { code: 'host_missing', message: `ramsso-host is not installed for this browser (${m})`, remedy: INSTALL_REMEDY },
    };
  }
  if (/forbidden|not allowed|permission/i.test(m)) {
    return {
      state: 'host_forbidden',
      error: {
        code: 'host_forbidden',
        message: `ramsso-host does not accept this extension (${m})`,
        remedy: `${INSTALL_REMEDY} so the host manifest lists this extension's id`,
      },
    };
  }
  if (/exited/i.test(m)) {
    return {
      state: 'host_exited',
      error: { code: 'host_exited', message: 'ramsso-host exited before it reported a result', remedy: DOCTOR_REMEDY },
    };
  }
  return {
    state: 'disconnected',
    error: {
      code: 'host_disconnected',
      message: m ? `lost the connection to ramsso-host (${m})` : 'ramsso-host closed the connection without a result',
      remedy: DOCTOR_REMEDY,
    },
  };
}

/**
 * What to update when the host speaks `protocol` and this extension does
 * not: an older host (which answers with its only protocol, never
 * negotiating) means ramsso; a newer one means the extension.
 * @param {number} protocol
 * @returns {string}
 */
export function skewRemedy(protocol) {
  if (!(protocol >= MIN_PROTOCOL)) {
    return `ramsso-host speaks protocol ${protocol}, this extension ${MIN_PROTOCOL} to ${PROTOCOL}: update ramsso (the CLI and ramsso-host)`;
  }
  return `ramsso-host speaks protocol ${protocol}, this extension at most ${PROTOCOL}: update the ramsso browser extension`;
}

/**
 * Pings the host over a short-lived port, telling it this extension's
 * version and protocol range; the host answers with the protocol both
 * speak (hosts before negotiation answer with their only one).
 * Resolves (never rejects) to
 *   { found: true, version, protocol, compatible, remedy? } or
 *   { found: false, state, error: {code, message, remedy} }.
 * @param {{connectNative: (name: string) => any, lastError?: () => any,
 *   setTimer?: Function, clearTimer?: Function, timeoutMs?: number,
 *   version?: string}} deps
 */
export function ping(deps) {
  const {
    connectNative,
    lastError = () => undefined,
    setTimer = setTimeout,
    clearTimer = clearTimeout,
    timeoutMs = PING_TIMEOUT_MS,
    version = '',
  } = deps;
  return new Promise((resolve) => {
    let port = null;
    let timer = null;
    let settled = false;
    const finish = (result) => {
      if (settled) return;
      settled = true;
      if (timer !== null) clearTimer(timer);
      try {
        port?.disconnect();
      } catch {
        // already closed
      }
      resolve(result);
    };
    try {
      port = connectNative(HOST_NAME);
    } catch (e) {
      finish({ found: false, ...classifyDisconnect(e?.message) });
      return;
    }
    timer = setTimer(() => finish({
      found: false,
      state: 'host_timeout',
      error: {
        code: 'host_timeout',
        message: `ramsso-host did not answer a ping within ${Math.round(timeoutMs / 1000)} s`,
        remedy: DOCTOR_REMEDY,
      },
    }), timeoutMs);
    port.onMessage.addListener((msg) => {
      if (!msg || typeof msg !== 'object') return;
      if (msg.type === 'pong' && msg.ok === true) {
        const protocol = Number(msg.protocol);
        const compatible = protocol >= MIN_PROTOCOL && protocol <= PROTOCOL;
        finish({
          found: true,
          version: typeof msg.version === 'string' ? msg.version : '',
          protocol,
          compatible,
          ...(compatible ? {} : { remedy: skewRemedy(protocol) }),
        });
      } else if (msg.type === 'error') {
        const e = msg.error && typeof msg.error === 'object' ? msg.error : {};
        finish({
          found: false,
          state: 'host_error',
          error: {
            code: String(e.code ?? 'host_error'),
            message: String(e.message ?? 'ramsso-host answered the ping with an error'),
            remedy: String(e.remedy ?? DOCTOR_REMEDY),
          },
        });
      }
    });
    port.onDisconnect.addListener((p) => {
      // Chrome sets runtime.lastError only while this callback runs.
      const m = p?.error?.message ?? lastError()?.message;
      finish({ found: false, ...classifyDisconnect(m) });
    });
    try {
      port.postMessage({
        type: 'ping', version, protocol: PROTOCOL, minProtocol: MIN_PROTOCOL,
      });
    } catch (e) {
      finish({ found: false, ...classifyDisconnect(e?.message) });
    }
  });
}
