// Draws the extension's 128x128 icon (three candles over a rising line on a
// dark tile) into images/icon.png. Written by hand with node:zlib because an
// image library or a browser for one small, fixed picture is more to install
// and keep than these lines; run it again after changing the drawing.
import { writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";

const SIZE = 128;
const px = new Uint8Array(SIZE * SIZE * 4);

function fill(x0, y0, x1, y1, [r, g, b, a = 255]) {
  for (let y = Math.max(0, y0); y < Math.min(SIZE, y1); y++)
    for (let x = Math.max(0, x0); x < Math.min(SIZE, x1); x++) px.set([r, g, b, a], (y * SIZE + x) * 4);
}

/** A tile with rounded corners (radius 20): transparent outside. */
for (let y = 0; y < SIZE; y++)
  for (let x = 0; x < SIZE; x++) {
    const cx = Math.min(Math.max(x, 20), SIZE - 21);
    const cy = Math.min(Math.max(y, 20), SIZE - 21);
    if ((x - cx) ** 2 + (y - cy) ** 2 <= 20 ** 2) px.set([24, 30, 44, 255], (y * SIZE + x) * 4);
  }

const GREEN = [38, 166, 154];
const RED = [239, 83, 80];
// Candles: [x, wick top, body top, body bottom, wick bottom, colour].
const candles = [
  [30, 58, 66, 92, 100, RED],
  [62, 40, 50, 80, 90, GREEN],
  [94, 22, 30, 60, 70, GREEN],
];
for (const [x, wt, bt, bb, wb, c] of candles) {
  fill(x - 2, wt, x + 2, wb, c);
  fill(x - 10, bt, x + 10, bb, c);
}
// The rule's threshold: a dashed line across.
for (let x = 14; x < SIZE - 14; x += 10) fill(x, 62, x + 6, 65, [230, 200, 80]);

function chunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function crc32(buf) {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
const rows = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let y = 0; y < SIZE; y++) rows.set(px.subarray(y * SIZE * 4, (y + 1) * SIZE * 4), y * (SIZE * 4 + 1) + 1);
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk("IHDR", header),
  chunk("IDAT", deflateSync(rows)),
  chunk("IEND", Buffer.alloc(0)),
]);
writeFileSync(new URL("../images/icon.png", import.meta.url), png);
