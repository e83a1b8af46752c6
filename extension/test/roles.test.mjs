import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  accountLabel, filterRoles, flattenGroups, groupRoles, moveSelection, normalizeRole, normalizeRoles,
} from '../src/lib/roles.js';

const r = (acct, name, alias = '') => ({
  roleArn: `acs:ram::${acct}:role/${name}`,
  providerArn: `acs:ram::${acct}:saml-provider/idp`,
  accountAlias: alias,
});

describe('normalizeRole', () => {
  const cases = [
    ['object', r('111', 'Admin', 'prod'), { roleArn: 'acs:ram::111:role/Admin', providerArn: 'acs:ram::111:saml-provider/idp', accountId: '111', roleName: 'Admin', accountAlias: 'prod' }],
    ['pair, provider first, spaces', ' acs:ram::2:saml-provider/x ,  acs:ram::2:role/dev ', { roleArn: 'acs:ram::2:role/dev', providerArn: 'acs:ram::2:saml-provider/x', accountId: '2', roleName: 'dev', accountAlias: '' }],
    ['bare role ARN', 'acs:ram::3:role/ops', { roleArn: 'acs:ram::3:role/ops', providerArn: '', accountId: '3', roleName: 'ops', accountAlias: '' }],
    ['alias key', { roleArn: 'acs:ram::4:role/a', alias: 'dev' }, { roleArn: 'acs:ram::4:role/a', providerArn: '', accountId: '4', roleName: 'a', accountAlias: 'dev' }],
    ['provider only', 'acs:ram::3:saml-provider/x', null],
    ['not an ARN', 'admin', null],
    ['number', 5, null],
    ['null', null, null],
  ];
  for (const [name, input, want] of cases) it(name, () => assert.deepEqual(normalizeRole(input), want));

  it('normalizeRoles de-duplicates and keeps order', () => {
    const list = normalizeRoles(['acs:ram::2:role/b', r('1', 'a'), 'acs:ram::2:role/b', 'junk']);
    assert.deepEqual(list.map((x) => x.roleName), ['b', 'a']);
    assert.deepEqual(normalizeRoles('nope'), []);
  });
});

describe('grouping and filtering', () => {
  const roles = normalizeRoles([
    r('222', 'readonly', 'staging'), r('111', 'zeta'), r('111', 'Admin'), r('222', 'admin', 'staging'), r('333', 'ops', 'alpha'),
  ]);

  it('groups by account, sorted by label, roles sorted by name', () => {
    const g = groupRoles(roles);
    assert.deepEqual(g.map((x) => x.label), ['111', 'alpha (333)', 'staging (222)']);
    assert.deepEqual(g[0].roles.map((x) => x.roleName), ['Admin', 'zeta']);
    assert.deepEqual(g[2].roles.map((x) => x.roleName), ['admin', 'readonly']);
    assert.deepEqual(flattenGroups(g).map((x) => x.roleName), ['Admin', 'zeta', 'ops', 'admin', 'readonly']);
  });

  it('a group takes the alias from any of its roles', () => {
    const g = groupRoles(normalizeRoles([r('9', 'a'), r('9', 'b', 'named')]));
    assert.equal(g[0].label, 'named (9)');
  });

  const f = (q) => filterRoles(roles, q).map((x) => `${x.accountId}/${x.roleName}`);
  it('empty query keeps everything', () => assert.equal(f('  ').length, 5));
  it('case-insensitive substring', () => assert.deepEqual(f('ADMIN'), ['111/Admin', '222/admin']));
  it('all tokens must match, across fields', () => assert.deepEqual(f('staging adm'), ['222/admin']));
  it('matches the account id', () => assert.deepEqual(f('333'), ['333/ops']));
  it('no match', () => assert.deepEqual(f('nothing'), []));

  it('accountLabel', () => {
    assert.equal(accountLabel('1', ''), '1');
    assert.equal(accountLabel('1', 'a'), 'a (1)');
  });
});

describe('moveSelection', () => {
  const cases = [
    [0, 1, 3, 1], [2, 1, 3, 2], [0, -1, 3, 0], [-1, 1, 3, 0], [-1, -1, 3, 2], [1, 8, 3, 2], [0, 1, 0, -1],
  ];
  for (const [i, d, n, want] of cases) {
    it(`(${i}, ${d}, ${n}) → ${want}`, () => assert.equal(moveSelection(i, d, n), want));
  }
});
