import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  HOST_NAME, INSTALL_REMEDY, MIN_PROTOCOL, PING_TIMEOUT_MS, PROTOCOL,
} from '../src/lib/constants.js';
import { classifyDisconnect, ping, skewRemedy } from '../src/lib/host.js';
import { FakeClock, fakeNative } from './fakes.mjs';

function pinger() {
  const native = fakeNative();
  const clock = new FakeClock();
  const p = ping({
    connectNative: native.connectNative, lastError: native.lastError,
    setTimer: clock.setTimer, clearTimer: clock.clearTimer,
  });
  return { native, clock, p, port: native.ports[0] };
}

describe('ping', () => {
  it('sends ping and reports version and protocol', async () => {
    const { p, port, clock } = pinger();
    assert.equal(port.name, HOST_NAME);
    assert.deepEqual(port.sent, [{
      type: 'ping', version: '', protocol: PROTOCOL, minProtocol: MIN_PROTOCOL,
    }]);
    port.reply({ ok: true, type: 'pong', version: '0.3.1', protocol: 1 });
    assert.deepEqual(await p, { found: true, version: '0.3.1', protocol: 1, compatible: true });
    assert.equal(port.disconnected, true, 'short-lived port is closed');
    assert.equal(clock.pending(), 0);
  });

  it('flags another protocol', async () => {
    const { p, port } = pinger();
    port.reply({ ok: true, type: 'pong', version: '9', protocol: 2 });
    const r = await p;
    assert.equal(r.compatible, false);
    assert.match(r.remedy, /update the ramsso browser extension/);
  });
});

// Version skew in both directions, against what real hosts send: an old
// host (before negotiation) answers every ping with a bare pong carrying
// its one protocol; a new host answers a mismatch with protocol_mismatch.
// The reverse direction (an old extension's bare ping against this host)
// is host/protocol_test.go TestProtocolSkew.
describe('protocol skew', () => {
  it('old host: a bare pong with protocol 1 is compatible', async () => {
    const { p, port } = pinger();
    port.reply({ ok: true, type: 'pong', version: '0.1.0', protocol: 1 });
    const r = await p;
    assert.equal(r.compatible, true);
    assert.equal(r.remedy, undefined);
  });

  it('older host below this extension\'s range: update ramsso', async () => {
    const { p, port } = pinger();
    port.reply({ ok: true, type: 'pong', version: '0.0.1', protocol: MIN_PROTOCOL - 1 });
    const r = await p;
    assert.equal(r.compatible, false);
    assert.match(r.remedy, /update ramsso/);
    assert.equal(skewRemedy(MIN_PROTOCOL - 1), r.remedy);
  });

  it('new host refusing this extension: its message and remedy are shown', async () => {
    const { p, port } = pinger();
    port.reply({
      ok: false,
      type: 'error',
      error: {
        code: 'protocol_mismatch',
        message: 'the ramsso extension 0.1.0 speaks protocol 1 at most; ramsso-host 3.0 needs 2 or newer',
        remedy: 'update the ramsso browser extension (or have IT push the new CRX)',
      },
    });
    const r = await p;
    assert.equal(r.found, false);
    assert.equal(r.error.code, 'protocol_mismatch');
    assert.match(r.error.remedy, /update the ramsso browser extension/);
  });

  it('host missing: the install command', async () => {
    const { p, port, native } = pinger();
    native.chromeClose(port, 'Specified native messaging host not found.');
    const r = await p;
    assert.equal(r.found, false);
    assert.equal(r.state, 'host_missing');
    assert.equal(r.error.remedy, INSTALL_REMEDY);
  });

  it('connectNative throws', async () => {
    const native = fakeNative();
    native.state.throwError = 'No such native application com.ramsso.host';
    const r = await ping({ connectNative: native.connectNative });
    assert.equal(r.state, 'host_missing');
  });

  it('silence times out', async () => {
    const { p, port, clock } = pinger();
    clock.advance(PING_TIMEOUT_MS - 1);
    port.reply({ ok: true, type: 'status' }); // not a pong
    clock.advance(1);
    const r = await p;
    assert.equal(r.state, 'host_timeout');
    assert.equal(port.disconnected, true);
  });

  it('an error reply is reported with its remedy', async () => {
    const { p, port } = pinger();
    port.reply({ ok: false, type: 'error', error: { code: 'origin_not_allowed', message: 'm', remedy: 'r' } });
    assert.deepEqual((await p).error, { code: 'origin_not_allowed', message: 'm', remedy: 'r' });
  });
});

describe('classifyDisconnect', () => {
  const cases = [
    ['Specified native messaging host not found.', 'host_missing'],
    ['No such native application com.ramsso.host', 'host_missing'],
    ['Access to the specified native messaging host is forbidden.', 'host_forbidden'],
    ['Native host has exited.', 'host_exited'],
    ['Error when communicating with the native messaging host.', 'disconnected'],
    [undefined, 'disconnected'],
    ['', 'disconnected'],
  ];
  for (const [msg, state] of cases) {
    it(`${msg} → ${state}`, () => {
      const c = classifyDisconnect(msg);
      assert.equal(c.state, state);
      assert.ok(c.error.code && c.error.message && c.error.remedy);
    });
  }
});
