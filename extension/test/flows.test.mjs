import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { FLOW_TIMEOUT_MS, HOST_NAME, INSTALL_REMEDY, KEYS } from '../src/lib/constants.js';
import {
  FINAL_STATES, FlowManager, HOST_STATES, isFinal, publicRecord, samlHash,
} from '../src/lib/flows.js';
import { FakeClock, FakeStorage, fakeNative, settle } from './fakes.mjs';

const ROLE_A = 'acs:ram::1111111111111111:role/admin';
const ROLE_B = 'acs:ram::2222222222222222:role/readonly';
const PROV_A = 'acs:ram::1111111111111111:saml-provider/idp';
const PROV_B = 'acs:ram::2222222222222222:saml-provider/idp';
// A recognisable "secret" that must never reach persistent storage.
const SAML = 'U0VDUkVULWFzc2VydGlvbi0xMjM0NTY3ODkw+/SECRETSAML==';
const SAML2 = 'U0VDUkVULW90aGVyLWFzc2VydGlvbg+/SECRETSAML2==';

function ssoDetails(tabId, saml = SAML, extra = {}) {
  return {
    method: 'POST',
    url: 'https://signin.aliyun.com/saml-role/sso',
    tabId,
    initiator: 'https://idp.example.com',
    requestBody: { formData: { SAMLResponse: [saml], RelayState: ['rs'] } },
    ...extra,
  };
}

function entranceDetails(tabId, targetRole, saml = SAML) {
  const params = { TargetRoleAndProvider: targetRole };
  if (saml) params.SAMLResponse = saml;
  return {
    method: 'POST',
    url: 'https://signin.aliyun.com/entrance?Action=V2AssumeRoleWithSaml',
    tabId,
    initiator: 'https://signin.aliyun.com',
    requestBody: { formData: { RequestParams: [JSON.stringify(params)] } },
  };
}

function setup({ local = new FakeStorage(), session = new FakeStorage(), clock = new FakeClock(), native = fakeNative() } = {}) {
  let n = 0;
  const changes = [];
  const m = new FlowManager({
    connectNative: native.connectNative,
    lastError: native.lastError,
    local,
    session,
    now: clock.now,
    setTimer: clock.setTimer,
    clearTimer: clock.clearTimer,
    uuid: () => `flow-${++n}`,
    onChange: () => changes.push(1),
  });
  return { m, local, session, clock, native, changes };
}

async function history(local) {
  await settle();
  return (await local.get([KEYS.history]))[KEYS.history] ?? [];
}

describe('capture', () => {
  it('opens one port per flow and sends capture with the contract fields', async () => {
    const { m, native, local } = setup();
    const r = await m.handleRequest(ssoDetails(5));
    assert.deepEqual(r, { id: 'flow-1', state: 'starting' });
    assert.equal(native.ports.length, 1);
    assert.equal(native.ports[0].name, HOST_NAME);
    assert.deepEqual(native.ports[0].sent, [{
      type: 'capture', id: 'flow-1', tabId: 5, url: 'https://signin.aliyun.com/saml-role/sso',
      initiator: 'https://idp.example.com', samlResponse: SAML, relayState: 'rs',
    }]);
    const h = await history(local);
    assert.equal(h.length, 1);
    assert.equal(h[0].state, 'starting');
    assert.equal(h[0].site, 'china');
    assert.equal(h[0].initiator, 'https://idp.example.com');
  });

  it('works from raw bytes when formData is missing (+ and %2B)', async () => {
    const { m, native } = setup();
    const body = `RelayState=a+b&SAMLResponse=${encodeURIComponent(SAML)}`;
    await m.handleRequest(ssoDetails(1, SAML, { requestBody: { raw: [{ bytes: new TextEncoder().encode(body).buffer }] } }));
    assert.equal(native.ports[0].sent[0].samlResponse, SAML);
    assert.equal(native.ports[0].sent[0].relayState, 'a b');
  });

  it('ignores requests that are not sign-in POSTs without touching storage', async () => {
    const { m, native, local } = setup();
    assert.deepEqual(await m.handleRequest({ ...ssoDetails(1), method: 'GET' }), { ignored: 'not_relevant' });
    assert.equal(native.ports.length, 0);
    assert.equal(local.writes.length, 0);
  });

  it('pause stops capture; resuming starts it again', async () => {
    const local = new FakeStorage({ [KEYS.paused]: true });
    const { m, native } = setup({ local });
    assert.deepEqual(await m.handleRequest(ssoDetails(1)), { ignored: 'paused' });
    assert.equal(native.ports.length, 0);
    await local.set({ [KEYS.paused]: false });
    assert.equal((await m.handleRequest(ssoDetails(1))).id, 'flow-1');
    assert.equal(native.ports.length, 1);
  });

  it('a resubmitted identical POST in the same tab is not a second flow', async () => {
    const { m, native } = setup();
    await m.handleRequest(ssoDetails(1));
    assert.deepEqual(await m.handleRequest(ssoDetails(1)), { ignored: 'duplicate', id: 'flow-1' });
    assert.equal(native.ports.length, 1);
  });

  it('a new assertion in the same tab supersedes the open flow', async () => {
    const { m, native, local } = setup();
    await m.handleRequest(ssoDetails(1));
    await m.handleRequest(ssoDetails(1, SAML2));
    const [p1, p2] = native.ports;
    assert.deepEqual(p1.types(), ['capture', 'cancel']);
    assert.equal(p1.disconnected, true);
    assert.equal(p2.sent[0].samlResponse, SAML2);
    const h = await history(local);
    assert.equal(h.find((r) => r.id === 'flow-1').state, 'superseded');
    assert.equal(h.find((r) => r.id === 'flow-2').state, 'starting');
  });

  it('two tabs at once get two ports and finish independently', async () => {
    const { m, native, local } = setup();
    await m.handleRequest(ssoDetails(1));
    await m.handleRequest(ssoDetails(2, SAML2));
    const [p1, p2] = native.ports;
    p2.reply({ ok: true, type: 'done', id: 'flow-2', profile: 'b', roleArn: ROLE_B, expiration: '2030-01-01T00:00:00Z' });
    p1.reply({ ok: true, type: 'status', id: 'flow-1', state: 'exchanging' });
    p1.reply({ ok: true, type: 'done', id: 'flow-1', profile: 'a', roleArn: ROLE_A, expiration: '2030-01-01T01:00:00Z' });
    const h = await history(local);
    assert.deepEqual(h.map((r) => [r.id, r.state, r.profile]), [['flow-2', 'done', 'b'], ['flow-1', 'done', 'a']]);
    assert.equal(m.open.size, 0);
  });
});

describe('host messages', () => {
  let ctx;
  let port;
  beforeEach(async () => {
    ctx = setup();
    await ctx.m.handleRequest(ssoDetails(9));
    [port] = ctx.native.ports;
  });

  for (const state of HOST_STATES) {
    it(`status ${state} is mirrored and keeps the flow open`, async () => {
      port.reply({ ok: true, type: 'status', id: 'flow-1', state });
      const [rec] = await history(ctx.local);
      assert.equal(rec.state, state);
      assert.equal(isFinal(rec.state), false);
      assert.equal(port.disconnected, false);
      assert.equal(ctx.m.open.size, 1);
    });
  }

  it('needs_choice keeps normalised roles for the picker', async () => {
    port.reply({
      ok: true, type: 'status', id: 'flow-1', state: 'needs_choice',
      roles: [
        { roleArn: ROLE_A, providerArn: PROV_A, accountId: '1111111111111111', roleName: 'admin' },
        `${PROV_B},${ROLE_B}`,
        'garbage',
        { roleArn: ROLE_A },
      ],
    });
    const [rec] = await history(ctx.local);
    assert.equal(rec.state, 'needs_choice');
    assert.deepEqual(rec.roles.map((r) => [r.roleArn, r.accountId, r.roleName]), [
      [ROLE_A, '1111111111111111', 'admin'],
      [ROLE_B, '2222222222222222', 'readonly'],
    ]);
  });

  it('done records profile, role, expiry and issuer, then closes the port', async () => {
    port.reply({ ok: true, type: 'status', id: 'flow-1', state: 'deciding', issuer: 'https://idp.example.com/saml' });
    port.reply({ ok: true, type: 'done', id: 'flow-1', profile: 'prod-admin', roleArn: ROLE_A, expiration: '2030-01-01T00:00:00Z' });
    const [rec] = await history(ctx.local);
    assert.equal(rec.state, 'done');
    assert.equal(rec.profile, 'prod-admin');
    assert.equal(rec.roleArn, ROLE_A);
    assert.equal(rec.expiration, '2030-01-01T00:00:00Z');
    assert.equal(rec.issuer, 'https://idp.example.com/saml');
    assert.equal(typeof rec.endedAt, 'number');
    assert.equal(port.disconnected, true);
    assert.equal(ctx.clock.pending(), 0, 'timeout timer cleared');
  });

  it('done keeps the account alias seen in the role list', async () => {
    port.reply({ ok: true, type: 'status', id: 'flow-1', state: 'needs_choice', roles: [{ roleArn: ROLE_B, accountAlias: 'staging' }, ROLE_A] });
    await ctx.m.choose('flow-1', ROLE_B);
    port.reply({ ok: true, type: 'done', id: 'flow-1', profile: 'p', roleArn: ROLE_B, expiration: 'e' });
    const [rec] = await history(ctx.local);
    assert.equal(rec.accountAlias, 'staging');
  });

  it('error records code, message and remedy and ends the flow', async () => {
    port.reply({
      ok: false, type: 'error', id: 'flow-1',
      error: { code: 'AuthenticationFail.SAMLAssertion.Expired', message: 'the assertion expired', remedy: 'sign in again' },
    });
    const [rec] = await history(ctx.local);
    assert.equal(rec.state, 'error');
    assert.deepEqual(rec.error, { code: 'AuthenticationFail.SAMLAssertion.Expired', message: 'the assertion expired', remedy: 'sign in again' });
    assert.equal(port.disconnected, true);
  });

  it('bad_role is a warning: the flow keeps waiting for a valid choice', async () => {
    port.reply({ ok: true, type: 'status', id: 'flow-1', state: 'needs_choice', roles: [ROLE_A, ROLE_B] });
    port.reply({ ok: false, type: 'error', id: 'flow-1', error: { code: 'bad_role', message: 'not in this sign-in' } });
    let [rec] = await history(ctx.local);
    assert.equal(rec.state, 'needs_choice');
    assert.equal(port.disconnected, false);
    port.reply({ ok: true, type: 'done', id: 'flow-1', profile: 'p', roleArn: ROLE_A, expiration: 'e' });
    [rec] = await history(ctx.local);
    assert.equal(rec.state, 'done');
  });

  it('an error without id or fields still ends the flow with defaults', async () => {
    port.reply({ ok: false, type: 'error' });
    const [rec] = await history(ctx.local);
    assert.equal(rec.state, 'error');
    assert.equal(rec.error.code, 'host_error');
  });

  it('ignores other ids, unknown types, junk, final states in status, and anything after the end', async () => {
    port.reply({ ok: true, type: 'done', id: 'someone-else', profile: 'x' });
    port.reply({ ok: true, type: 'pong', version: '1' });
    port.reply('not an object');
    port.reply(null);
    port.reply({ ok: true, type: 'status', id: 'flow-1', state: 'done' });
    port.reply({ ok: true, type: 'status', id: 'flow-1', state: 'Bad State!' });
    let [rec] = await history(ctx.local);
    assert.equal(rec.state, 'starting');
    port.reply({ ok: true, type: 'done', id: 'flow-1', profile: 'p', roleArn: ROLE_A, expiration: 'x' });
    port.reply({ ok: false, type: 'error', id: 'flow-1', error: { code: 'late' } });
    port.reply({ ok: true, type: 'status', id: 'flow-1', state: 'exchanging' });
    [rec] = await history(ctx.local);
    assert.equal(rec.state, 'done');
    assert.equal(rec.error, undefined);
  });

  it('host text is capped', async () => {
    port.reply({ ok: false, type: 'error', id: 'flow-1', error: { code: 'x', message: 'm'.repeat(5000) } });
    const [rec] = await history(ctx.local);
    assert.equal(rec.error.message.length, 500);
  });
});

describe('console choice', () => {
  const target = `${ROLE_B},${PROV_B}`;

  it('goes to the open flow of the same tab, on the same port', async () => {
    const { m, native, local } = setup();
    await m.handleRequest(ssoDetails(4));
    native.ports[0].reply({ ok: true, type: 'status', id: 'flow-1', state: 'waiting_console' });
    const r = await m.handleRequest(entranceDetails(4, target));
    assert.deepEqual(r, { id: 'flow-1', sent: 'consoleChoice' });
    assert.equal(native.ports.length, 1);
    assert.deepEqual(native.ports[0].sent[1], { type: 'consoleChoice', id: 'flow-1', targetRole: target });
    const [rec] = await history(local);
    assert.equal(rec.targetRole, target);
  });

  it('without SAMLResponse in RequestParams still links by tab', async () => {
    const { m, native } = setup();
    await m.handleRequest(ssoDetails(4));
    await m.handleRequest(entranceDetails(4, target, null));
    assert.deepEqual(native.ports[0].types(), ['capture', 'consoleChoice']);
  });

  it('another tab has no flow: a new capture carries targetRole', async () => {
    const { m, native } = setup();
    await m.handleRequest(ssoDetails(4));
    await m.handleRequest(entranceDetails(8, target, SAML2));
    assert.equal(native.ports.length, 2);
    assert.deepEqual(native.ports[1].sent[0], {
      type: 'capture', id: 'flow-2', tabId: 8, url: 'https://signin.aliyun.com/entrance?Action=V2AssumeRoleWithSaml',
      initiator: 'https://signin.aliyun.com', samlResponse: SAML2, targetRole: target,
    });
    assert.deepEqual(native.ports[0].types(), ['capture'], 'the other tab is untouched');
  });

  it('no flow and no assertion: nothing to do', async () => {
    const { m, native } = setup();
    assert.deepEqual(await m.handleRequest(entranceDetails(4, target, null)), { ignored: 'no_flow' });
    assert.equal(native.ports.length, 0);
  });

  it('after a worker restart the chooser POST starts a fresh capture with targetRole', async () => {
    const local = new FakeStorage();
    const session = new FakeStorage();
    const first = setup({ local, session });
    await first.m.handleRequest(ssoDetails(4));
    first.native.ports[0].reply({ ok: true, type: 'status', id: 'flow-1', state: 'waiting_console' });
    await settle();
    // The worker dies; a new one is woken by the chooser POST.
    const second = setup({ local, session });
    const r = await second.m.handleRequest(entranceDetails(4, target));
    assert.equal(r.state, 'starting');
    assert.equal(second.native.ports.length, 1);
    const msg = second.native.ports[0].sent[0];
    assert.equal(msg.type, 'capture');
    assert.equal(msg.samlResponse, SAML);
    assert.equal(msg.targetRole, target);
    const h = await history(local);
    assert.equal(h[0].state, 'starting');
    assert.equal(h[1].state, 'interrupted', 'the lost flow is reported, not left hanging');
    assert.match(h[1].error.remedy, /sign in again/);
  });

  it('after a restart, an assertion the host already settled is not exchanged twice', async () => {
    const local = new FakeStorage();
    const session = new FakeStorage();
    const first = setup({ local, session });
    await first.m.handleRequest(ssoDetails(4));
    first.native.ports[0].reply({ ok: true, type: 'done', id: 'flow-1', profile: 'p', roleArn: ROLE_A, expiration: 'e' });
    await settle();
    const second = setup({ local, session });
    assert.deepEqual(await second.m.handleRequest(entranceDetails(4, target)), { ignored: 'already_done', id: 'flow-1' });
    assert.equal(second.native.ports.length, 0);
  });

  it('a done flow in the same worker also ignores the later chooser POST', async () => {
    const { m, native } = setup();
    await m.handleRequest(ssoDetails(4));
    native.ports[0].reply({ ok: true, type: 'done', id: 'flow-1', profile: 'p', roleArn: ROLE_A, expiration: 'e' });
    assert.deepEqual(await m.handleRequest(entranceDetails(4, target)), { ignored: 'already_done', id: 'flow-1' });
  });

  it('a failed flow is retried by the chooser POST with targetRole', async () => {
    const { m, native } = setup();
    await m.handleRequest(ssoDetails(4));
    native.ports[0].reply({ ok: false, type: 'error', id: 'flow-1', error: { code: 'console_wait_timeout', message: 'm' } });
    const r = await m.handleRequest(entranceDetails(4, target));
    assert.equal(r.id, 'flow-2');
    assert.equal(native.ports[1].sent[0].targetRole, target);
  });
});

describe('popup actions', () => {
  it('choose carries remember and a duration the host accepts; bad durations are dropped', async () => {
    for (const [opts, want] of [
      [{ remember: true, duration: 7200 }, { remember: true, duration: 7200 }],
      [{ remember: false, duration: 0 }, {}],
      [{ remember: 'yes', duration: 60 }, {}],
      [{ duration: 50000 }, {}],
      [{ duration: '3600' }, { duration: 3600 }],
    ]) {
      const { m, native } = setup();
      await m.handleRequest(ssoDetails(3));
      const [port] = native.ports;
      port.reply({ ok: true, type: 'status', id: 'flow-1', state: 'needs_choice', roles: [`${ROLE_A},${PROV_A}`, `${ROLE_B},${PROV_B}`] });
      assert.deepEqual(await m.choose('flow-1', ROLE_A, opts), { ok: true });
      assert.deepEqual(port.sent.at(-1), { type: 'choose', id: 'flow-1', roleArn: ROLE_A, ...want });
    }
  });

  it('choose sends the role on the flow port; unknown roles are refused', async () => {
    const { m, native, local } = setup();
    await m.handleRequest(ssoDetails(3));
    const [port] = native.ports;
    port.reply({ ok: true, type: 'status', id: 'flow-1', state: 'needs_choice', roles: [`${ROLE_A},${PROV_A}`, `${ROLE_B},${PROV_B}`] });
    const bad = await m.choose('flow-1', 'acs:ram::3333333333333333:role/other');
    assert.equal(bad.ok, false);
    assert.equal((await m.choose('flow-1', 'nonsense')).ok, false);
    assert.equal((await m.choose('nope', ROLE_A)).ok, false);
    assert.deepEqual(await m.choose('flow-1', ROLE_B), { ok: true });
    assert.deepEqual(port.sent.at(-1), { type: 'choose', id: 'flow-1', roleArn: ROLE_B });
    const [rec] = await history(local);
    assert.equal(rec.chosenRole, ROLE_B);
    assert.equal(rec.state, 'exchanging');
    assert.equal(rec.roles, undefined);
  });

  it('needs_confirm shows where a first sign-in came from; confirm answers on the port', async () => {
    const { m, native, local } = setup();
    await m.handleRequest(ssoDetails(3));
    const [port] = native.ports;
    // Only in needs_confirm may the popup answer.
    assert.equal((await m.confirm('flow-1', true)).ok, false);
    port.reply({
      ok: true, type: 'status', id: 'flow-1', state: 'needs_confirm', issuer: 'https://evil.example/idp',
      confirm: {
        issuer: 'https://evil.example/idp', accountId: '3333333333333333', roleArn: 'acs:ram::3333333333333333:role/x',
        page: 'https://evil.example', newIssuer: true, newAccount: true, samlResponse: SAML,
      },
    });
    let [rec] = await history(local);
    assert.equal(rec.state, 'needs_confirm');
    assert.equal(rec.confirm.page, 'https://evil.example');
    assert.equal(rec.confirm.accountId, '3333333333333333');
    assert.equal(rec.confirm.newAccount, true);
    assert.ok(!JSON.stringify(rec).includes('SECRETSAML'), 'a stray field reached storage');
    assert.deepEqual(await m.confirm('flow-1', false), { ok: true });
    assert.deepEqual(port.sent.at(-1), { type: 'confirm', id: 'flow-1', confirmed: false });
    [rec] = await history(local);
    assert.equal(rec.confirm, undefined);
    assert.equal((await m.confirm('flow-1', true)).ok, false, 'answered twice');
  });

  it('a first-seen question without a page takes the POST\'s Referer origin', async () => {
    const { m, native, local } = setup();
    await m.handleRequest(ssoDetails(4, SAML, { initiator: undefined }));
    const [port] = native.ports;
    port.reply({ ok: true, type: 'status', id: 'flow-1', state: 'needs_confirm', confirm: { issuer: 'i', accountId: '1', roleArn: ROLE_A } });
    m.notePage({ tabId: 4, requestHeaders: [{ name: 'Referer', value: 'https://idp.example.com/app/sso?x=1' }] });
    const [rec] = await history(local);
    assert.equal(rec.confirm.page, 'https://idp.example.com');
  });

  it('cancel tells the host, closes the port and records it', async () => {
    const { m, native, local } = setup();
    await m.handleRequest(ssoDetails(3));
    const [port] = native.ports;
    assert.deepEqual(await m.cancel('flow-1'), { ok: true });
    assert.deepEqual(port.sent.at(-1), { type: 'cancel', id: 'flow-1' });
    assert.equal(port.disconnected, true);
    const [rec] = await history(local);
    assert.equal(rec.state, 'cancelled');
    assert.equal((await m.cancel('flow-1')).ok, false);
    assert.equal((await m.choose('flow-1', ROLE_A)).ok, false);
  });

  it('clearHistory keeps open flows only', async () => {
    const { m, native, local } = setup();
    await m.handleRequest(ssoDetails(1));
    native.ports[0].reply({ ok: true, type: 'done', id: 'flow-1', profile: 'p', roleArn: ROLE_A, expiration: 'e' });
    await m.handleRequest(ssoDetails(2, SAML2));
    await m.clearHistory();
    assert.deepEqual((await history(local)).map((r) => r.id), ['flow-2']);
  });

  it('snapshot lists open flows and pause state', async () => {
    const { m, local } = setup();
    await m.handleRequest(ssoDetails(1));
    await local.set({ [KEYS.paused]: true });
    const s = await m.snapshot();
    assert.deepEqual(s.open, ['flow-1']);
    assert.equal(s.paused, true);
    assert.equal(s.history.length, 1);
  });
});

describe('endings', () => {
  it('times out after FLOW_TIMEOUT_MS without a final message, even with status updates', async () => {
    const { m, native, clock, local } = setup();
    await m.handleRequest(ssoDetails(1));
    const [port] = native.ports;
    clock.advance(FLOW_TIMEOUT_MS - 1000);
    port.reply({ ok: true, type: 'status', id: 'flow-1', state: 'needs_choice', roles: [ROLE_A] });
    assert.equal((await history(local))[0].state, 'needs_choice');
    clock.advance(999);
    assert.equal(port.disconnected, false);
    clock.advance(1);
    assert.equal(port.disconnected, true);
    const [rec] = await history(local);
    assert.equal(rec.state, 'timeout');
    assert.equal(rec.error.code, 'timeout');
    assert.equal(rec.roles, undefined);
    port.reply({ ok: true, type: 'done', id: 'flow-1', profile: 'late' });
    assert.equal((await history(local))[0].state, 'timeout');
  });

  it('Chrome: host not found → host_missing with the install remedy', async () => {
    const { m, native, local } = setup();
    await m.handleRequest(ssoDetails(1));
    native.chromeClose(native.ports[0], 'Specified native messaging host not found.');
    const [rec] = await history(local);
    assert.equal(rec.state, 'host_missing');
    assert.equal(rec.error.remedy, INSTALL_REMEDY);
    assert.equal(m.open.size, 0);
  });

  it('Firefox: port.error → host_missing', async () => {
    const { m, native, local } = setup();
    await m.handleRequest(ssoDetails(1));
    native.ports[0].hostClose('No such native application com.ramsso.host');
    assert.equal((await history(local))[0].state, 'host_missing');
  });

  it('Chrome: origin not allowed → host_forbidden naming ramsso install', async () => {
    const { m, native, local } = setup();
    await m.handleRequest(ssoDetails(1));
    native.chromeClose(native.ports[0], 'Access to the specified native messaging host is forbidden.');
    const [rec] = await history(local);
    assert.equal(rec.state, 'host_forbidden');
    assert.match(rec.error.remedy, /ramsso install/);
  });

  it('host exits without a result → host_exited', async () => {
    const { m, native, local } = setup();
    await m.handleRequest(ssoDetails(1));
    native.chromeClose(native.ports[0], 'Native host has exited.');
    const [rec] = await history(local);
    assert.equal(rec.state, 'host_exited');
    assert.match(rec.error.remedy, /ramsso doctor/);
  });

  it('silent close → disconnected', async () => {
    const { m, native, local } = setup();
    await m.handleRequest(ssoDetails(1));
    native.chromeClose(native.ports[0]);
    assert.equal((await history(local))[0].state, 'disconnected');
  });

  it('connectNative throwing (Firefox without permission) ends the flow at once', async () => {
    const { m, native, local } = setup();
    native.state.throwError = 'No such native application com.ramsso.host';
    const r = await m.handleRequest(ssoDetails(1));
    assert.equal(r.state, 'host_missing');
    assert.equal((await history(local))[0].state, 'host_missing');
    assert.equal(m.open.size, 0);
  });

  it('a close after done changes nothing', async () => {
    const { m, native, local } = setup();
    await m.handleRequest(ssoDetails(1));
    native.ports[0].reply({ ok: true, type: 'done', id: 'flow-1', profile: 'p', roleArn: ROLE_A, expiration: 'e' });
    native.chromeClose(native.ports[0], 'Native host has exited.');
    assert.equal((await history(local))[0].state, 'done');
  });

  it('every final state is final and no host state is', () => {
    for (const s of FINAL_STATES) assert.equal(isFinal(s), true, s);
    for (const s of [...HOST_STATES, 'starting']) assert.equal(isFinal(s), false, s);
  });
});

describe('storage', () => {
  it('the SAMLResponse never reaches storage.local or storage.session', async () => {
    const { m, native, local, session, clock } = setup();
    await m.handleRequest(ssoDetails(1));
    await m.handleRequest(ssoDetails(2, SAML2));
    await m.handleRequest(entranceDetails(1, `${ROLE_A},${PROV_A}`));
    native.ports[0].reply({ ok: true, type: 'status', id: 'flow-1', state: 'needs_choice', roles: [ROLE_A, ROLE_B] });
    // A host bug echoing the assertion in a field we keep must not leak it either.
    native.ports[0].reply({ ok: true, type: 'status', id: 'flow-1', state: 'exchanging', samlResponse: SAML });
    native.ports[0].reply({ ok: true, type: 'done', id: 'flow-1', profile: 'p', roleArn: ROLE_A, expiration: 'e', samlResponse: SAML });
    clock.advance(FLOW_TIMEOUT_MS);
    await settle();
    assert.ok(local.writes.length > 3 && session.writes.length > 3);
    for (const w of [...local.writes, ...session.writes]) {
      assert.equal(w.includes('SECRETSAML'), false, `leaked: ${w}`);
      assert.equal(w.includes(SAML.slice(0, 20)), false);
    }
    // ...but they did go to the host.
    assert.equal(native.ports[0].sent[0].samlResponse, SAML);
  });

  it('session storage links tabs by the assertion hash', async () => {
    const { m, session } = setup();
    await m.handleRequest(ssoDetails(6));
    await settle();
    const tabs = (await session.get([KEYS.tabs]))[KEYS.tabs];
    assert.deepEqual(tabs['6'], { id: 'flow-1', samlHash: await samlHash(SAML), state: 'starting' });
    assert.match(tabs['6'].samlHash, /^[0-9a-f]{64}$/);
  });

  it('the hash ignores whitespace, so a re-wrapped assertion still links', async () => {
    assert.equal(await samlHash('ab\ncd'), await samlHash(' abcd '));
    assert.notEqual(await samlHash('abcd'), await samlHash('abce'));
  });

  it('publicRecord drops unknown fields', () => {
    const r = publicRecord({ id: 'x', state: 'done', samlResponse: SAML, port: {}, error: { code: 'c', message: 'm', remedy: 'r', extra: SAML } });
    assert.deepEqual(r, { id: 'x', state: 'done', error: { code: 'c', message: 'm', remedy: 'r' } });
  });

  it('history is bounded and tab links follow it', async () => {
    const native = fakeNative();
    const local = new FakeStorage();
    const session = new FakeStorage();
    const { m } = setup({ native, local, session });
    m.historyLimit = 3;
    for (let i = 0; i < 6; i++) {
      await m.handleRequest(ssoDetails(i, `${SAML}${i}`));
      native.ports[i].reply({ ok: true, type: 'done', id: `flow-${i + 1}`, profile: `p${i}`, roleArn: ROLE_A, expiration: 'e' });
    }
    const h = await history(local);
    assert.deepEqual(h.map((r) => r.profile), ['p5', 'p4', 'p3']);
    const tabs = (await session.get([KEYS.tabs]))[KEYS.tabs];
    assert.deepEqual(Object.keys(tabs).sort(), ['3', '4', '5']);
  });

  it('a new worker marks unfinished flows interrupted and keeps finished ones', async () => {
    const local = new FakeStorage({
      [KEYS.history]: [
        { id: 'a', state: 'needs_choice', roles: [{ roleArn: ROLE_A }], startedAt: 1 },
        { id: 'b', state: 'done', profile: 'p', startedAt: 0 },
      ],
    });
    const session = new FakeStorage({ [KEYS.tabs]: { 1: { id: 'a', samlHash: 'h', state: 'needs_choice' } } });
    const { m } = setup({ local, session });
    await m.start();
    const h = await history(local);
    assert.equal(h[0].state, 'interrupted');
    assert.equal(h[0].roles, undefined);
    assert.equal(h[1].state, 'done');
    assert.equal((await session.get([KEYS.tabs]))[KEYS.tabs]['1'].state, 'interrupted');
  });
});
