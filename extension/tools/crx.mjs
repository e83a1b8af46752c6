// Packs the Chrome build as a CRX3 signed with a private key, plus the
// update manifest (gupdate XML) that ExtensionInstallForcelist and
// ExtensionSettings point at, so IT can force-install ramsso from a company
// URL. Chromium does the packing (`chromium --pack-extension`), so the CRX
// is exactly what Chrome's own packer writes.
//
// Usage: node tools/crx.mjs --key KEY.pem --codebase URL [--src DIR] [--out DIR] [--chromium PATH]
//   KEY.pem   the RSA private key (PKCS#8 or PKCS#1 PEM). The release key is
//             the one whose public half is keys/chrome-public.pem (pinned id
//             in EXTENSION_ID); it is kept off the repository. Any other key
//             gives another id, printed and written to DIR/crx.json.
//   URL       where the CRX will be served, e.g. https://it.example.com/ramsso/ramsso.crx
// Writes DIR/ramsso.crx, DIR/updates.xml and DIR/crx.json ({id, version,
// codebase, updateUrl}); --out defaults to build/, --src (the unpacked
// Chrome build) to build/chrome.

import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import {
  cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromeManifest, extensionId } from './manifest.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function fail(msg) {
  console.error(`crx: ${msg}`);
  process.exit(1);
}

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

/** The update manifest Chrome's extension updater reads (protocol 2.0). */
export function updateManifest({ id, version, codebase }) {
  const esc = (s) => s.replace(/&/g, '&amp;').replace(/'/g, '&apos;').replace(/</g, '&lt;');
  return `<?xml version='1.0' encoding='UTF-8'?>
<gupdate xmlns='http://www.google.com/update2/response' protocol='2.0'>
  <app appid='${esc(id)}'>
    <updatecheck codebase='${esc(codebase)}' version='${esc(version)}' />
  </app>
</gupdate>
`;
}

function main() {
  const keyPath = arg('key');
  const codebase = arg('codebase');
  const out = resolve(arg('out', join(root, 'build')));
  const chromium = arg('chromium', process.env.CHROMIUM || 'chromium');
  if (!keyPath) fail('--key KEY.pem is required (the release signing key, or a test key)');
  if (!codebase || !/^https?:\/\//.test(codebase)) fail('--codebase URL (http or https) is required: where ramsso.crx will be served');
  let der;
  try {
    der = createPublicKey(createPrivateKey(readFileSync(keyPath))).export({ type: 'spki', format: 'der' });
  } catch (e) {
    fail(`${keyPath} is not a PEM private key: ${e.message}`);
  }
  const id = extensionId(der);
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const chromeDir = resolve(arg('src', join(root, 'build', 'chrome')));
  if (!existsSync(join(chromeDir, 'manifest.json'))) fail(`${chromeDir} missing: run make build first`);

  // The packed manifest carries the signing key's public half, so the id
  // of the CRX and of the same directory loaded unpacked agree.
  const work = mkdtempSync(join(tmpdir(), 'ramsso-crx-'));
  try {
    const src = join(work, 'ramsso');
    cpSync(chromeDir, src, { recursive: true });
    writeFileSync(join(src, 'manifest.json'), `${JSON.stringify(chromeManifest({ version, key: der.toString('base64') }), null, 2)}\n`);
    try {
      execFileSync(chromium, [
        '--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${join(work, 'profile')}`,
        `--pack-extension=${src}`, `--pack-extension-key=${resolve(keyPath)}`,
      ], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60000 });
    } catch (e) {
      fail(`${chromium} --pack-extension failed (${e.message.split('\n')[0]}); install Debian's chromium or pass --chromium PATH`);
    }
    const crx = join(work, 'ramsso.crx');
    if (!existsSync(crx)) fail(`${chromium} --pack-extension wrote no ${crx}`);
    const head = readFileSync(crx).subarray(0, 8);
    if (head.toString('latin1', 0, 4) !== 'Cr24' || head.readUInt32LE(4) !== 3) fail('the packed file is not a CRX3');
    renameSync(crx, join(out, 'ramsso.crx'));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const updateUrl = new URL('updates.xml', codebase).href;
  writeFileSync(join(out, 'updates.xml'), updateManifest({ id, version, codebase }));
  writeFileSync(join(out, 'crx.json'), `${JSON.stringify({ id, version, codebase, updateUrl }, null, 2)}\n`);
  console.log(`crx: ${join(out, 'ramsso.crx')} (id ${id}, version ${version}); serve it at ${codebase} and updates.xml at ${updateUrl}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
