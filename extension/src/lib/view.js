// How flows read in the popup. Pure; importable by Node.

import { accountLabel, normalizeRole } from './roles.js';

const STATE_TEXT = {
  starting: 'Handing the sign-in to ramsso-host…',
  deciding: 'Deciding which role to use…',
  waiting_console: 'Waiting for your choice in the console…',
  asking_tray: 'Choose the role in the ramsso tray app',
  needs_choice: 'Choose a role',
  needs_confirm: 'Confirm a first sign-in',
  exchanging: 'Getting credentials from STS…',
  done: 'Credentials stored',
  error: 'Failed',
  timeout: 'Timed out',
  cancelled: 'Cancelled',
  superseded: 'Replaced by a newer sign-in',
  interrupted: 'Interrupted',
  host_missing: 'ramsso-host not installed',
  host_forbidden: 'ramsso-host refused this extension',
  host_exited: 'ramsso-host stopped',
  disconnected: 'Lost ramsso-host',
};

/** A short human text for a flow state. */
export function stateText(state) {
  return STATE_TEXT[state] ?? state;
}

/** "which IdP": the Issuer if the host reported it, else the page that POSTed. */
export function idpOf(rec) {
  if (rec.issuer) return rec.issuer;
  if (rec.initiator) {
    try {
      return new URL(rec.initiator).host;
    } catch {
      return rec.initiator;
    }
  }
  return 'unknown IdP';
}

/** "role@account" for a role ARN, or ''. */
export function roleText(roleArn, accountAlias = '') {
  const r = normalizeRole(roleArn ?? '');
  return r ? `${r.roleName} @ ${accountLabel(r.accountId, accountAlias || r.accountAlias)}` : '';
}

/** "in 59 min", "3 min ago", from two epoch-ms values. */
export function relative(thenMs, nowMs) {
  const d = Math.round((thenMs - nowMs) / 60000);
  if (d === 0) return 'now';
  const abs = Math.abs(d);
  const unit = abs >= 120 ? `${Math.round(abs / 60)} h` : `${abs} min`;
  return d > 0 ? `in ${unit}` : `${unit} ago`;
}

/**
 * Everything the popup shows for one flow record:
 * { tone: 'ok'|'busy'|'bad'|'muted', title, lines: string[], remedy }.
 */
export function describeFlow(rec, nowMs) {
  const lines = [];
  const when = typeof rec.startedAt === 'number' ? relative(rec.startedAt, nowMs) : '';
  lines.push(`${when ? `${when} · ` : ''}${idpOf(rec)}${rec.site ? ` (${rec.site})` : ''}`);
  let tone = 'busy';
  let remedy = '';
  if (rec.state === 'done') {
    tone = 'ok';
    const role = roleText(rec.roleArn, rec.accountAlias);
    if (role) lines.push(role);
    if (rec.profile) lines.push(`profile ${rec.profile}`);
    if (rec.expiration) {
      const exp = Date.parse(rec.expiration);
      lines.push(Number.isNaN(exp)
        ? `expires ${rec.expiration}`
        : `${exp > nowMs ? 'expires' : 'expired'} ${relative(exp, nowMs)} (${rec.expiration})`);
    }
  } else if (rec.error) {
    tone = rec.state === 'cancelled' || rec.state === 'superseded' ? 'muted' : 'bad';
    lines.push(rec.error.message + (rec.error.code ? ` [${rec.error.code}]` : ''));
    remedy = rec.error.remedy || '';
  } else if (rec.targetRole || rec.chosenRole) {
    const role = roleText(rec.chosenRole || rec.targetRole);
    if (role) lines.push(role);
  }
  return { tone, title: stateText(rec.state), lines, remedy };
}
