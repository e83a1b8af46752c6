import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import {
  CSP, GECKO_ID, chromeManifest, extensionId, firefoxManifest, publicKeyDer,
} from '../tools/manifest.mjs';
import { crc32 } from '../tools/zip.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const HOSTS = [
  'https://signin.aliyun.com/saml-role/sso*',
  'https://signin.alibabacloud.com/saml-role/sso*',
  'https://*.aliyun.com/entrance*',
  'https://*.alibabacloud.com/entrance*',
];

/** Reads our (local-header) ZIPs: name -> Buffer, checking CRCs. */
function unzip(buf) {
  const out = new Map();
  let o = 0;
  while (buf.readUInt32LE(o) === 0x04034b50) {
    const method = buf.readUInt16LE(o + 8);
    const crc = buf.readUInt32LE(o + 14);
    const csize = buf.readUInt32LE(o + 18);
    const nlen = buf.readUInt16LE(o + 26);
    const xlen = buf.readUInt16LE(o + 28);
    const name = buf.subarray(o + 30, o + 30 + nlen).toString('utf8');
    const body = buf.subarray(o + 30 + nlen + xlen, o + 30 + nlen + xlen + csize);
    const data = method === 8 ? inflateRawSync(body) : Buffer.from(body);
    assert.equal(crc32(data), crc, `crc of ${name}`);
    out.set(name, data);
    o += 30 + nlen + xlen + csize;
  }
  assert.equal(buf.readUInt32LE(o), 0x02014b50, 'central directory follows the entries');
  return out;
}

describe('manifest', () => {
  const pem = readFileSync(join(root, 'keys', 'chrome-public.pem'), 'utf8');
  const der = publicKeyDer(pem);

  it('the pinned id is derived from the public key (sha256, a-p)', () => {
    const hex = createHash('sha256').update(der).digest('hex').slice(0, 32);
    const expected = hex.replace(/./g, (c) => 'abcdefghijklmnop'[parseInt(c, 16)]);
    assert.equal(extensionId(der), expected);
    assert.equal(readFileSync(join(root, 'EXTENSION_ID'), 'utf8').trim(), expected);
    assert.match(expected, /^[a-p]{32}$/);
  });

  it('the key is an RSA-2048 SubjectPublicKeyInfo', () => {
    assert.equal(der.length, 294);
    assert.throws(() => publicKeyDer('-----BEGIN RSA PRIVATE KEY-----'), /not a PEM public key/);
  });

  for (const [name, m] of [
    ['chrome', chromeManifest({ version: '1.2.3', key: 'KEY' })],
    ['firefox', firefoxManifest({ version: '1.2.3' })],
  ]) {
    it(`${name}: exact permissions, strict CSP, MV3`, () => {
      assert.equal(m.manifest_version, 3);
      assert.deepEqual(m.permissions, ['webRequest', 'nativeMessaging', 'storage']);
      assert.deepEqual(m.host_permissions, HOSTS);
      assert.deepEqual(m.content_security_policy, { extension_pages: CSP });
      assert.equal(CSP, "script-src 'self'; object-src 'none'");
      assert.equal(m.version, '1.2.3');
      assert.equal(m.action.default_popup, 'popup.html');
      assert.equal(m.optional_permissions, undefined);
      assert.equal(m.content_scripts, undefined);
      assert.equal(m.web_accessible_resources, undefined);
    });
  }

  it('chrome uses a module service worker; key only when given', () => {
    assert.deepEqual(chromeManifest({ version: '1' }).background, { service_worker: 'background.js', type: 'module' });
    assert.equal(chromeManifest({ version: '1', key: 'K' }).key, 'K');
    assert.equal('key' in chromeManifest({ version: '1' }), false);
  });

  it('firefox uses an event page and the gecko id', () => {
    const m = firefoxManifest({ version: '1' });
    assert.deepEqual(m.background, { scripts: ['background.js'], type: 'module' });
    assert.equal(m.browser_specific_settings.gecko.id, GECKO_ID);
    assert.equal(GECKO_ID, 'ramsso@ramsso.dev');
    assert.ok(Number.parseFloat(m.browser_specific_settings.gecko.strict_min_version) >= 115);
    assert.equal('key' in m, false);
    assert.equal('minimum_chrome_version' in m, false);
  });
});

describe('build output', () => {
  let out;
  before(() => {
    out = mkdtempSync(join(tmpdir(), 'ramsso-ext-'));
    execFileSync(process.execPath, [join(root, 'tools', 'build.mjs'), '--out', out], { stdio: 'pipe' });
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  const srcFiles = () => {
    const walk = (d, p = '') => readdirSync(d, { withFileTypes: true }).flatMap((e) => (
      e.isDirectory() ? walk(join(d, e.name), `${p}${e.name}/`) : [`${p}${e.name}`]));
    return walk(join(root, 'src')).sort();
  };

  it('unpacked chrome build has the pinned key and every source file', () => {
    const m = JSON.parse(readFileSync(join(out, 'chrome', 'manifest.json'), 'utf8'));
    const der = publicKeyDer(readFileSync(join(root, 'keys', 'chrome-public.pem'), 'utf8'));
    assert.equal(m.key, der.toString('base64'));
    for (const f of srcFiles()) assert.ok(existsSync(join(out, 'chrome', f)), f);
    for (const f of m.background.service_worker ? [m.background.service_worker, m.action.default_popup, ...Object.values(m.icons)] : []) {
      assert.ok(existsSync(join(out, 'chrome', f)), `manifest references missing ${f}`);
    }
  });

  it('store zip has no key and the same files', () => {
    const files = unzip(readFileSync(join(out, 'chrome-store.zip')));
    const m = JSON.parse(files.get('manifest.json').toString());
    assert.equal('key' in m, false);
    assert.equal(m.background.service_worker, 'background.js');
    assert.deepEqual([...files.keys()].filter((f) => f !== 'manifest.json').sort(), srcFiles());
    assert.deepEqual(files.get('lib/flows.js'), readFileSync(join(root, 'src', 'lib', 'flows.js')));
  });

  it('firefox dir and zip carry the gecko manifest', () => {
    const dirM = JSON.parse(readFileSync(join(out, 'firefox', 'manifest.json'), 'utf8'));
    const zipM = JSON.parse(unzip(readFileSync(join(out, 'firefox.zip'))).get('manifest.json').toString());
    assert.deepEqual(dirM, zipM);
    assert.equal(zipM.browser_specific_settings.gecko.id, GECKO_ID);
  });

  it('ramsso.xpi is the firefox zip, with the stable gecko id', () => {
    const xpi = readFileSync(join(out, 'ramsso.xpi'));
    assert.deepEqual(xpi, readFileSync(join(out, 'firefox.zip')));
    const m = JSON.parse(unzip(xpi).get('manifest.json').toString());
    assert.equal(m.browser_specific_settings.gecko.id, 'ramsso@ramsso.dev');
    assert.equal('key' in m, false);
  });

  it('ids.json pins allowed_origins and allowed_extensions', () => {
    const ids = JSON.parse(readFileSync(join(out, 'ids.json'), 'utf8'));
    const id = readFileSync(join(root, 'EXTENSION_ID'), 'utf8').trim();
    assert.deepEqual(ids.allowed_origins, [`chrome-extension://${id}/`]);
    assert.deepEqual(ids.allowed_extensions, [GECKO_ID]);
    assert.equal(ids.chrome.id, id);
  });

  it('archives are reproducible', () => {
    const again = mkdtempSync(join(tmpdir(), 'ramsso-ext-'));
    try {
      execFileSync(process.execPath, [join(root, 'tools', 'build.mjs'), '--out', again], { stdio: 'pipe' });
      assert.deepEqual(readFileSync(join(again, 'firefox.zip')), readFileSync(join(out, 'firefox.zip')));
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
  });
});
