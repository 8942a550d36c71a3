// Generates the PWA icons in public/icons/ (no dependencies: a tiny PNG encoder over Node's zlib).
// The mark is the brand's: a green dot in a soft ring, on the dark surface color. Re-run with
// `npm run icons` after changing it; the output is deterministic and committed.

import { deflateSync } from "node:zlib";
import { mkdirSync, writeFileSync } from "node:fs";

const CRC = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "ascii");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
function png(size, pixel) {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel(x + 0.5, y + 0.5);
      const o = y * (size * 4 + 1) + 1 + x * 4;
      raw[o] = r; raw[o + 1] = g; raw[o + 2] = b; raw[o + 3] = a;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 6; // 8-bit RGBA
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw, { level: 9 })), chunk("IEND", Buffer.alloc(0))]);
}

const BG = [0x17, 0x1b, 0x22];
const GREEN = [0x34, 0xc3, 0x84];
const cov = (d, edge) => Math.max(0, Math.min(1, edge - d + 0.5)); // antialiased disc coverage
const mix = (a, b, t) => a.map((v, i) => Math.round(v * (1 - t) + b[i] * t));

/** The mark at a given size; `safe` shrinks it into the maskable safe zone (80 %). */
function icon(size, { rounded, safe }) {
  const c = size / 2;
  const scale = safe ? 0.8 : 1;
  const ring = size * 0.34 * scale;
  const dot = size * 0.17 * scale;
  const corner = rounded ? size * 0.22 : 0;
  return png(size, (x, y) => {
    // Rounded-square background (full bleed for maskable icons).
    let inside = 1;
    if (corner) {
      const dx = Math.max(corner - x, x - (size - corner), 0);
      const dy = Math.max(corner - y, y - (size - corner), 0);
      inside = cov(Math.hypot(dx, dy), corner);
    }
    const d = Math.hypot(x - c, y - c);
    let col = BG;
    col = mix(col, mix(BG, GREEN, 0.28), cov(d, ring));
    col = mix(col, GREEN, cov(d, dot));
    return [...col, Math.round(255 * inside)];
  });
}

const dir = new URL("../public/icons/", import.meta.url);
mkdirSync(dir, { recursive: true });
const out = {
  "icon-192.png": icon(192, { rounded: true }),
  "icon-512.png": icon(512, { rounded: true }),
  "maskable-512.png": icon(512, { safe: true }),
  "apple-touch-icon.png": icon(180, {}),
};
for (const [name, data] of Object.entries(out)) {
  writeFileSync(new URL(name, dir), data);
  console.log(`public/icons/${name}: ${data.length} bytes`);
}
