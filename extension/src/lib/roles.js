// Role list handling for the popup's picker: normalise what the host sends,
// group by account, filter as the user types. Pure; importable by Node.

const ROLE_RE = /^acs:ram::(\d+):role\/(.+)$/;
const PROVIDER_RE = /^acs:ram::(\d+):saml-provider\/(.+)$/;

/**
 * Normalises one role from the host: an object with at least `roleArn`, or a
 * `roleArn,providerArn` string (either order), or a bare role ARN.
 * @returns {{roleArn: string, providerArn: string, accountId: string,
 *   roleName: string, accountAlias: string} | null}
 */
export function normalizeRole(r) {
  let roleArn = '';
  let providerArn = '';
  let accountAlias = '';
  if (typeof r === 'string') {
    for (const p of r.split(',').map((x) => x.trim())) {
      if (ROLE_RE.test(p)) roleArn = p;
      else if (PROVIDER_RE.test(p)) providerArn = p;
    }
  } else if (r && typeof r === 'object') {
    roleArn = typeof r.roleArn === 'string' ? r.roleArn.trim() : '';
    providerArn = typeof r.providerArn === 'string' ? r.providerArn.trim() : '';
    const alias = r.accountAlias ?? r.alias;
    accountAlias = typeof alias === 'string' ? alias.trim() : '';
  }
  const m = ROLE_RE.exec(roleArn);
  if (!m) return null;
  return { roleArn, providerArn, accountId: m[1], roleName: m[2], accountAlias };
}

/** Normalises and de-duplicates (by roleArn) a host role list, keeping order. */
export function normalizeRoles(list) {
  if (!Array.isArray(list)) return [];
  const seen = new Set();
  const out = [];
  for (const r of list) {
    const n = normalizeRole(r);
    if (!n || seen.has(n.roleArn)) continue;
    seen.add(n.roleArn);
    out.push(n);
  }
  return out;
}

/** The display label of an account: "alias (id)" or the id. */
export function accountLabel(accountId, accountAlias) {
  return accountAlias ? `${accountAlias} (${accountId})` : accountId;
}

/**
 * Groups roles by account: [{accountId, accountAlias, label, roles}], groups
 * sorted by label, roles by name (case-insensitive).
 */
export function groupRoles(roles) {
  const byAccount = new Map();
  for (const r of roles) {
    let g = byAccount.get(r.accountId);
    if (!g) {
      g = { accountId: r.accountId, accountAlias: r.accountAlias || '', roles: [] };
      byAccount.set(r.accountId, g);
    }
    if (!g.accountAlias && r.accountAlias) g.accountAlias = r.accountAlias;
    g.roles.push(r);
  }
  const cmp = (a, b) => a.localeCompare(b, undefined, { sensitivity: 'base', numeric: true });
  const groups = [...byAccount.values()].map((g) => ({
    ...g,
    label: accountLabel(g.accountId, g.accountAlias),
    roles: [...g.roles].sort((a, b) => cmp(a.roleName, b.roleName)),
  }));
  groups.sort((a, b) => cmp(a.label, b.label));
  return groups;
}

/**
 * Filters roles by a free-text query: every whitespace-separated token must
 * occur (case-insensitively) in the account id, alias, role name or ARN.
 */
export function filterRoles(roles, query) {
  const tokens = String(query ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  if (tokens.length === 0) return roles.slice();
  return roles.filter((r) => {
    const hay = `${r.accountId} ${r.accountAlias} ${r.roleName} ${r.roleArn}`.toLowerCase();
    return tokens.every((t) => hay.includes(t));
  });
}

/** The roles of grouped output in display order (for keyboard navigation). */
export function flattenGroups(groups) {
  return groups.flatMap((g) => g.roles);
}

/**
 * Moves a selection index through a list of length n by delta, clamped.
 * Returns -1 for an empty list.
 */
export function moveSelection(index, delta, n) {
  if (n <= 0) return -1;
  if (index < 0) return delta >= 0 ? 0 : n - 1;
  return Math.min(n - 1, Math.max(0, index + delta));
}
