import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classifyRequest, decodeFormBody, formFields, initiatorOf, normalizeTargetRole,
  parseRequestParams, percentDecode, rawToText, roleArnOf,
} from '../src/lib/request.js';

const ROLE = 'acs:ram::1234567890123456:role/admin';
const PROV = 'acs:ram::1234567890123456:saml-provider/okta';
// base64 with every awkward character: + / =
const SAML = 'PHNhbWxwOlJlc3BvbnNlIC8+ab+cd/ef+gh==';

const enc = (s) => new TextEncoder().encode(s).buffer;

describe('decodeFormBody', () => {
  const cases = [
    ['plus is space, %2B is plus', 'a=x+y%2Bz', { a: ['x y+z'] }],
    ['repeated names keep order', 'a=1&b=2&a=3', { a: ['1', '3'], b: ['2'] }],
    ['name without value', 'flag&x=1', { flag: [''], x: ['1'] }],
    ['empty parts skipped', '&&a=1&', { a: ['1'] }],
    ['utf-8 escapes', 'n=%E4%BD%A0%E5%A5%BD', { n: ['你好'] }],
    ['malformed escape kept literally', 'v=50%25%ZZ%41', { v: ['50%%ZZA'] }],
    ['= inside value', 'v=a=b', { v: ['a=b'] }],
    ['encoded name', 'Relay%53tate=x', { RelayState: ['x'] }],
  ];
  for (const [name, input, want] of cases) {
    it(name, () => assert.deepEqual({ ...decodeFormBody(input) }, want));
  }
  it('empty and non-string input', () => {
    assert.deepEqual({ ...decodeFormBody('') }, {});
    assert.deepEqual({ ...decodeFormBody(undefined) }, {});
  });
  it('percentDecode leaves plain text alone', () => {
    assert.equal(percentDecode('abc'), 'abc');
    assert.equal(percentDecode('%E4%BD'), '%E4%BD');
  });
});

describe('rawToText / formFields', () => {
  it('joins chunks split inside a UTF-8 sequence', () => {
    const all = new TextEncoder().encode('n=你');
    const raw = [{ bytes: all.slice(0, 3).buffer }, { bytes: all.slice(3).buffer }];
    assert.equal(rawToText(raw), 'n=你');
  });
  it('accepts typed-array views and skips file parts', () => {
    const raw = [{ file: '/tmp/x' }, { bytes: new TextEncoder().encode('a=1') }];
    assert.equal(rawToText(raw), 'a=1');
  });
  it('prefers formData when present', () => {
    const f = formFields({ formData: { SAMLResponse: [SAML] }, raw: [{ bytes: enc('SAMLResponse=other') }] });
    assert.deepEqual(f.SAMLResponse, [SAML]);
  });
  it('falls back to raw bytes: + is a space, %2B a plus', () => {
    const body = `SAMLResponse=${encodeURIComponent(SAML)}&RelayState=a+b`;
    assert.ok(body.includes('%2B'));
    const f = formFields({ raw: [{ bytes: enc(body) }] });
    assert.equal(f.SAMLResponse[0], SAML);
    assert.equal(f.RelayState[0], 'a b');
  });
  it('an unencoded + in the raw body becomes a space (as a browser form would mean it)', () => {
    const f = formFields({ raw: [{ bytes: enc('SAMLResponse=ab+cd') }] });
    assert.equal(f.SAMLResponse[0], 'ab cd');
  });
  it('empty formData falls back to raw', () => {
    const f = formFields({ formData: {}, raw: [{ bytes: enc('a=1') }] });
    assert.deepEqual(f.a, ['1']);
  });
  it('error or missing body gives no fields', () => {
    assert.deepEqual(Object.keys(formFields({ error: 'Unknown error.' })), []);
    assert.deepEqual(Object.keys(formFields(undefined)), []);
  });
});

describe('RequestParams', () => {
  it('parses the console chooser JSON', () => {
    const p = parseRequestParams(JSON.stringify({ SAMLResponse: SAML, TargetRoleAndProvider: `${ROLE},${PROV}` }));
    assert.deepEqual(p, { samlResponse: SAML, targetRole: `${ROLE},${PROV}` });
  });
  it('accepts provider first, stray spaces and other key case', () => {
    const p = parseRequestParams(JSON.stringify({ samlresponse: SAML, targetroleandprovider: ` ${PROV} , ${ROLE} ` }));
    assert.equal(p.targetRole, `${PROV},${ROLE}`);
    assert.equal(p.samlResponse, SAML);
    assert.equal(roleArnOf(p.targetRole), ROLE);
  });
  it('target role without SAMLResponse', () => {
    const p = parseRequestParams(JSON.stringify({ TargetRoleAndProvider: `${ROLE},${PROV}` }));
    assert.equal(p.samlResponse, undefined);
  });
  for (const [name, input] of [
    ['not JSON', '{nope'],
    ['array', '[]'],
    ['no target', JSON.stringify({ SAMLResponse: SAML })],
    ['two roles', JSON.stringify({ TargetRoleAndProvider: `${ROLE},${ROLE}` })],
    ['garbage target', JSON.stringify({ TargetRoleAndProvider: 'a,b' })],
    ['empty', ''],
  ]) {
    it(`rejects ${name}`, () => assert.equal(parseRequestParams(input), null));
  }
  it('normalizeTargetRole', () => {
    assert.equal(normalizeTargetRole(`${ROLE},${PROV}`), `${ROLE},${PROV}`);
    assert.equal(normalizeTargetRole(ROLE), null);
    assert.equal(normalizeTargetRole(42), null);
  });
});

describe('classifyRequest', () => {
  const sso = (over = {}) => ({
    method: 'POST',
    url: 'https://signin.aliyun.com/saml-role/sso',
    tabId: 7,
    initiator: 'https://idp.example.com',
    requestBody: { formData: { SAMLResponse: [SAML], RelayState: ['https://home.console.aliyun.com/'] } },
    ...over,
  });
  const entrance = (params, over = {}) => ({
    method: 'POST',
    url: 'https://signin.aliyun.com/entrance?Action=V2AssumeRoleWithSaml',
    tabId: 7,
    initiator: 'https://signin.aliyun.com',
    requestBody: { formData: { RequestParams: [JSON.stringify(params)] } },
    ...over,
  });

  it('China SSO POST with formData', () => {
    assert.deepEqual(classifyRequest(sso()), {
      kind: 'capture', tabId: 7, url: 'https://signin.aliyun.com/saml-role/sso', site: 'china',
      initiator: 'https://idp.example.com', samlResponse: SAML, relayState: 'https://home.console.aliyun.com/',
    });
  });
  it('international SSO POST from raw bytes, Firefox originUrl', () => {
    const body = `SAMLResponse=${encodeURIComponent(SAML)}`;
    const r = classifyRequest(sso({
      url: 'https://signin.alibabacloud.com/saml-role/sso/',
      initiator: undefined,
      originUrl: 'https://login.example.org/app/sso?x=1',
      requestBody: { raw: [{ bytes: enc(body) }] },
    }));
    assert.equal(r.kind, 'capture');
    assert.equal(r.site, 'international');
    assert.equal(r.samlResponse, SAML);
    assert.equal(r.initiator, 'https://login.example.org');
    assert.equal('relayState' in r, false);
  });
  it('SSO path in any case, as Alibaba spells it (/saml-role/SSO)', () => {
    for (const url of ['https://signin.aliyun.com/saml-role/SSO', 'https://signin.alibabacloud.com/SAML-Role/Sso/']) {
      const r = classifyRequest(sso({ url }));
      assert.equal(r?.kind, 'capture', url);
      assert.equal(r.samlResponse, SAML);
    }
  });
  it('console chooser POST as an XHR/fetch', () => {
    const r = classifyRequest(entrance({ SAMLResponse: SAML, TargetRoleAndProvider: `${ROLE},${PROV}` }, { type: 'xmlhttprequest', url: 'https://signin.aliyun.com/Entrance?Action=V2AssumeRoleWithSaml' }));
    assert.equal(r?.kind, 'consoleChoice');
  });
  for (const [name, over] of [
    ['GET', { method: 'GET' }],
    ['http', { url: 'http://signin.aliyun.com/saml-role/sso' }],
    ['other path', { url: 'https://signin.aliyun.com/saml-role/ssox' }],
    ['other host', { url: 'https://signin.aliyun.com.evil.test/saml-role/sso' }],
    ['no SAMLResponse', { requestBody: { formData: { RelayState: ['x'] } } }],
    ['empty SAMLResponse', { requestBody: { formData: { SAMLResponse: [''] } } }],
    ['bad url', { url: 'not a url' }],
  ]) {
    it(`ignores ${name}`, () => assert.equal(classifyRequest(sso(over)), null));
  }
  it('console chooser POST', () => {
    const r = classifyRequest(entrance({ SAMLResponse: SAML, TargetRoleAndProvider: `${ROLE},${PROV}` }));
    assert.deepEqual(r, {
      kind: 'consoleChoice', tabId: 7, url: 'https://signin.aliyun.com/entrance?Action=V2AssumeRoleWithSaml',
      site: 'china', initiator: 'https://signin.aliyun.com', targetRole: `${ROLE},${PROV}`, samlResponse: SAML,
    });
  });
  it('console chooser on another subdomain, Action in the body, raw bytes', () => {
    const body = `Action=V2AssumeRoleWithSaml&RequestParams=${encodeURIComponent(JSON.stringify({ TargetRoleAndProvider: `${ROLE},${PROV}` }))}`;
    const r = classifyRequest({
      method: 'POST', url: 'https://account.alibabacloud.com/entrance', tabId: 3,
      requestBody: { raw: [{ bytes: enc(body) }] },
    });
    assert.equal(r.kind, 'consoleChoice');
    assert.equal(r.site, 'international');
    assert.equal(r.samlResponse, undefined);
  });
  for (const [name, req] of [
    ['other Action', entrance({ TargetRoleAndProvider: `${ROLE},${PROV}` }, { url: 'https://signin.aliyun.com/entrance?Action=Logout' })],
    ['no Action', entrance({ TargetRoleAndProvider: `${ROLE},${PROV}` }, { url: 'https://signin.aliyun.com/entrance' })],
    ['foreign host', entrance({ TargetRoleAndProvider: `${ROLE},${PROV}` }, { url: 'https://evilaliyun.com/entrance?Action=V2AssumeRoleWithSaml' })],
    ['bad RequestParams', entrance({ TargetRoleAndProvider: 'x' })],
    ['entrance sub-path', entrance({ TargetRoleAndProvider: `${ROLE},${PROV}` }, { url: 'https://signin.aliyun.com/entrance/x?Action=V2AssumeRoleWithSaml' })],
  ]) {
    it(`ignores chooser POST with ${name}`, () => assert.equal(classifyRequest(req), null));
  }
  it('initiatorOf handles opaque origins', () => {
    assert.equal(initiatorOf({ initiator: 'null' }), '');
    assert.equal(initiatorOf({}), '');
  });
});

describe('main_frame only', () => {
  const sso = (type) => ({
    method: 'POST', type, url: 'https://signin.aliyun.com/saml-role/sso', tabId: 1,
    initiator: 'https://evil.example', requestBody: { formData: { SAMLResponse: [SAML] } },
  });
  it('a SAML POST in a (hidden) iframe is not captured', () => {
    assert.equal(classifyRequest(sso('sub_frame')), null);
    assert.equal(classifyRequest(sso('xmlhttprequest')), null);
  });
  it('a top-level SAML POST is', () => {
    assert.equal(classifyRequest(sso('main_frame')).kind, 'capture');
    assert.equal(classifyRequest(sso(undefined)).kind, 'capture');
  });
});
