// Builds every package from src/ (no bundler: the sources are the package).
//   build/chrome/            unpacked, with the pinned `key`
//   build/chrome-store.zip   the same without `key` (the Web Store rejects it)
//   build/firefox/ + build/firefox.zip, and the same bytes as
//   build/ramsso.xpi         what Firefox installs (gecko id ramsso@ramsso.dev)
//   build/ids.json           extension ids for the host manifest
// Usage: node tools/build.mjs [--out DIR]

import {
  cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  chromeManifest, extensionId, firefoxManifest, idsJson, publicKeyDer,
} from './manifest.mjs';
import { zip } from './zip.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outArg = process.argv.indexOf('--out');
const out = outArg > 0 ? process.argv[outArg + 1] : join(root, 'build');
const src = join(root, 'src');

function fail(msg) {
  console.error(`build: ${msg}`);
  process.exit(1);
}

const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const der = publicKeyDer(readFileSync(join(root, 'keys', 'chrome-public.pem'), 'utf8'));
const id = extensionId(der);
const pinned = readFileSync(join(root, 'EXTENSION_ID'), 'utf8').trim();
if (pinned !== id) {
  fail(`EXTENSION_ID says ${pinned} but keys/chrome-public.pem gives ${id}; update one of them`);
}

/** Files of src/, sorted, skipping dotfiles. */
function files(dir) {
  const list = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) list.push(...files(p));
    else list.push(p);
  }
  return list;
}
const sources = files(src);
if (sources.some((p) => p.endsWith('manifest.json'))) fail('src/ must not contain manifest.json (it is generated)');

function emit(dir, manifest) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(src, dir, { recursive: true, filter: (p) => !p.split(sep).pop().startsWith('.') });
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

function archive(file, manifest) {
  const entries = [{ name: 'manifest.json', data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) }];
  for (const p of sources) {
    entries.push({ name: relative(src, p).split(sep).join('/'), data: readFileSync(p) });
  }
  writeFileSync(file, zip(entries));
}

mkdirSync(out, { recursive: true });
const key = der.toString('base64');
emit(join(out, 'chrome'), chromeManifest({ version, key }));
archive(join(out, 'chrome-store.zip'), chromeManifest({ version }));
const ff = firefoxManifest({ version });
emit(join(out, 'firefox'), ff);
archive(join(out, 'firefox.zip'), ff);
// An XPI is the zip under the name Firefox's "Install Add-on From File"
// and AMO's signing expect.
cpSync(join(out, 'firefox.zip'), join(out, 'ramsso.xpi'));
writeFileSync(join(out, 'ids.json'), `${JSON.stringify(idsJson(id), null, 2)}\n`);
console.log(`build: ramsso extension ${version} → ${relative(process.cwd(), out) || '.'}/ (chrome id ${id})`);
