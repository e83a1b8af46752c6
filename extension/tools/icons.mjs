// Renders src/icons/icon-{16,32,48,128}.png with no dependencies (node:zlib
// for PNG deflate). An orange rounded square with a white key: ramsso hands
// the key from your sign-in to the command line. Run: node tools/icons.mjs
// (the PNGs are committed; rerun only when the design changes).

import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from './zip.mjs';

const ORANGE = [255, 106, 0];
const WHITE = [255, 255, 255];

/** Colour at a point of the 1x1 design space, or null for transparent. */
function shade(x, y) {
  // rounded square
  const r = 0.19;
  const m = 0.03;
  const cx = Math.min(Math.max(x, m + r), 1 - m - r);
  const cy = Math.min(Math.max(y, m + r), 1 - m - r);
  if (x < m || x > 1 - m || y < m || y > 1 - m || Math.hypot(x - cx, y - cy) > r) return null;
  // key: a ring, a shaft and two teeth
  const d = Math.hypot(x - 0.36, y - 0.5);
  if (d <= 0.18 && d >= 0.08) return WHITE;
  if (x >= 0.5 && x <= 0.84 && y >= 0.46 && y <= 0.54) return WHITE;
  if (x >= 0.72 && x <= 0.79 && y >= 0.54 && y <= 0.67) return WHITE;
  if (x >= 0.6 && x <= 0.67 && y >= 0.54 && y <= 0.62) return WHITE;
  return ORANGE;
}

/** RGBA pixels with 4x4 supersampling. */
function render(size) {
  const px = Buffer.alloc(size * size * 4);
  const ss = 4;
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      let rr = 0; let gg = 0; let bb = 0; let aa = 0;
      for (let sj = 0; sj < ss; sj++) {
        for (let si = 0; si < ss; si++) {
          const c = shade((i + (si + 0.5) / ss) / size, (j + (sj + 0.5) / ss) / size);
          if (!c) continue;
          rr += c[0]; gg += c[1]; bb += c[2]; aa += 1;
        }
      }
      const o = (j * size + i) * 4;
      if (aa > 0) {
        px[o] = Math.round(rr / aa);
        px[o + 1] = Math.round(gg / aa);
        px[o + 2] = Math.round(bb / aa);
        px[o + 3] = Math.round((255 * aa) / (ss * ss));
      }
    }
  }
  return px;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** Encodes RGBA pixels as a PNG. */
export function png(size, rgba) {
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let j = 0; j < size; j++) {
    rows[j * (size * 4 + 1)] = 0; // filter: none
    rgba.copy(rows, j * (size * 4 + 1) + 1, j * size * 4, (j + 1) * size * 4);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'icons');
  for (const s of [16, 32, 48, 128]) writeFileSync(join(dir, `icon-${s}.png`), png(s, render(s)));
}
