import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeFlow, idpOf, relative, roleText, stateText } from '../src/lib/view.js';

const NOW = Date.parse('2030-01-01T12:00:00Z');

describe('view', () => {
  it('done shows IdP, role, profile and expiry', () => {
    const d = describeFlow({
      state: 'done', startedAt: NOW - 3 * 60000, issuer: 'http://www.okta.com/exk1', site: 'china',
      roleArn: 'acs:ram::111:role/admin', profile: 'prod', expiration: '2030-01-01T13:00:00Z',
    }, NOW);
    assert.equal(d.tone, 'ok');
    assert.equal(d.title, 'Credentials stored');
    assert.deepEqual(d.lines, [
      '3 min ago · http://www.okta.com/exk1 (china)', 'admin @ 111', 'profile prod',
      'expires in 60 min (2030-01-01T13:00:00Z)',
    ]);
  });
  it('error shows message, code and remedy', () => {
    const d = describeFlow({ state: 'host_missing', initiator: 'https://idp.example.com', error: { code: 'host_missing', message: 'not installed', remedy: 'run `ramsso install`' } }, NOW);
    assert.equal(d.tone, 'bad');
    assert.equal(d.lines[1], 'not installed [host_missing]');
    assert.equal(d.remedy, 'run `ramsso install`');
    assert.equal(d.lines[0], 'idp.example.com');
  });
  it('cancelled is muted, expired expiry says so', () => {
    assert.equal(describeFlow({ state: 'cancelled', error: { code: 'cancelled', message: 'm', remedy: '' } }, NOW).tone, 'muted');
    const d = describeFlow({ state: 'done', expiration: '2030-01-01T11:00:00Z' }, NOW);
    assert.match(d.lines.at(-1), /^expired 60 min ago/);
  });
  it('helpers', () => {
    assert.equal(idpOf({}), 'unknown IdP');
    assert.equal(roleText('junk'), '');
    assert.equal(roleText('acs:ram::2:role/dev', 'staging'), 'dev @ staging (2)');
    assert.equal(stateText('needs_choice'), 'Choose a role');
    assert.equal(stateText('brand_new'), 'brand_new');
    assert.equal(relative(NOW + 5 * 3600000, NOW), 'in 5 h');
    assert.equal(relative(NOW, NOW), 'now');
  });
});
