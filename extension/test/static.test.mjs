// Source-level rules: no remote code, no string-to-code, no HTML injection
// sinks, listeners registered at the top level of the background script.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => (
  e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
const scripts = walk(src).filter((f) => f.endsWith('.js'));

describe('source rules', () => {
  for (const f of scripts) {
    const text = readFileSync(f, 'utf8');
    const name = f.slice(src.length + 1);
    it(`${name}: only relative imports, no eval, no innerHTML, no remote URLs`, () => {
      for (const m of text.matchAll(/^\s*import\s[^;]*?from\s+['"]([^'"]+)['"]/gm)) {
        assert.match(m[1], /^\.\.?\//, `import of ${m[1]}`);
      }
      assert.doesNotMatch(text, /\bimport\s*\(/, 'dynamic import');
      assert.doesNotMatch(text, /\beval\s*\(|new Function\s*\(|setTimeout\s*\(\s*['"`]/);
      assert.doesNotMatch(text, /\.innerHTML\s*=|outerHTML\s*=|insertAdjacentHTML|document\.write/);
      assert.doesNotMatch(text, /\bfetch\s*\(|XMLHttpRequest|WebSocket/, 'the extension talks to nothing but the host');
      assert.doesNotMatch(text, /storage\.local\.set\([^)]*saml/i);
    });
  }

  it('popup.html loads only packaged scripts and no inline script', () => {
    const html = readFileSync(join(src, 'popup.html'), 'utf8');
    const tags = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.equal(tags.length, 1);
    assert.match(tags[0][1], /src="popup\.js"/);
    assert.equal(tags[0][2].trim(), '');
    assert.doesNotMatch(html, /\son[a-z]+=/i, 'inline event handlers');
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//);
  });

  it('background registers its listeners synchronously at the top level', () => {
    const text = readFileSync(join(src, 'background.js'), 'utf8');
    for (const l of ['webRequest.onBeforeRequest.addListener', 'runtime.onMessage.addListener', 'storage.onChanged.addListener']) {
      const line = text.split('\n').find((x) => x.includes(l));
      assert.ok(line, l);
      assert.match(line, /^api\./, `${l} must be at column 0 (top level), not inside a function`);
    }
    assert.match(text, /\['requestBody'\]\s*,?\s*\)/);
    assert.doesNotMatch(text, /'blocking'/, 'observe only');
  });

  it('listens for the entrance POST as XHR/fetch too, and for /saml-role/SSO in upper case', async () => {
    const { ENTRANCE_TYPES, SSO_URL_FILTER } = await import('../src/lib/constants.js');
    assert.ok(ENTRANCE_TYPES.includes('xmlhttprequest'));
    assert.ok(SSO_URL_FILTER.includes('https://signin.aliyun.com/saml-role/SSO*'));
    assert.ok(SSO_URL_FILTER.includes('https://signin.alibabacloud.com/saml-role/SSO*'));
    const text = readFileSync(join(src, 'background.js'), 'utf8');
    assert.match(text, /urls: \[\.\.\.ENTRANCE_PATTERNS\], types: \[\.\.\.ENTRANCE_TYPES\]/);
    assert.match(text, /urls: SSO_URL_FILTER, types: \['main_frame'/);
  });

  it('never registers one callback on one event twice (Firefox keeps one registration per callback)', () => {
    const text = readFileSync(join(src, 'background.js'), 'utf8');
    const seen = new Set();
    for (const m of text.matchAll(/api\.webRequest\.(\w+)\.addListener\(\s*([A-Za-z_$][\w$]*)\s*,/g)) {
      const key = `${m[1]}:${m[2]}`;
      // The onSendHeaders fallback in a catch block re-adds after a failed add.
      if (m[1] === 'onSendHeaders') continue;
      assert.ok(!seen.has(key), `${m[2]} is added to ${m[1]} twice`);
      seen.add(key);
    }
  });
});
