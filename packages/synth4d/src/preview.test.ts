import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { gifPalette, lzwEncode, paletteIndex } from './internal/gif';
import { previewFrames, writePreviewGif, writePreviewPng } from './preview';
import { renderSample } from './sample';

/** An independent GIF LZW decoder (variable code width, clear/end codes), following the GIF89a spec. */
function lzwDecode(data: Uint8Array, minCodeSize: number): number[] {
  const clear = 1 << minCodeSize;
  const eoi = clear + 1;
  let size = minCodeSize + 1;
  let dict: number[][] = [];
  const reset = () => {
    dict = Array.from({ length: eoi + 1 }, (_, i) => (i < clear ? [i] : []));
    size = minCodeSize + 1;
  };
  reset();
  const out: number[] = [];
  let bit = 0;
  let prev: number[] | null = null;
  while (true) {
    let code = 0;
    for (let i = 0; i < size; i++, bit++) code |= ((data[bit >> 3] >> (bit & 7)) & 1) << i;
    if (code === clear) {
      reset();
      prev = null;
      continue;
    }
    if (code === eoi) break;
    let entry: number[];
    if (code < dict.length) entry = dict[code];
    else entry = [...prev!, prev![0]];
    out.push(...entry);
    if (prev) dict.push([...prev, entry[0]]);
    prev = entry;
    if (dict.length === 1 << size && size < 12) size++;
  }
  return out;
}

describe('previews', () => {
  const s = renderSample({ width: 16, height: 16, frames: 3, queries: 4 }, 2);

  it('LZW codes round-trip through an independent decoder, across table resets', () => {
    const data = new Uint8Array(20000);
    let x = 1;
    for (let i = 0; i < data.length; i++)
      data[i] = (x = (x * 1103515245 + 12345) >>> 0) % (i < 10000 ? 7 : 251);
    expect(lzwDecode(lzwEncode(data), 8)).toEqual(Array.from(data));
    expect(paletteIndex(255, 255, 255)).toBe(251);
    const p = gifPalette();
    expect([p[251 * 3], p[251 * 3 + 1], p[251 * 3 + 2]]).toEqual([255, 255, 255]);
  });

  it('writes a PNG contact sheet and a GIF whose frames decode to the preview', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synth4d-prev-'));
    try {
      const { width, height, frames } = previewFrames(s, { scale: 2 });
      expect([width, height, frames.length]).toEqual([64, 32, 3]);
      await writePreviewPng(s, join(dir, 'a.png'), { scale: 2, perRow: 3 });
      const png = PNG.sync.read(readFileSync(join(dir, 'a.png')));
      expect([png.width, png.height]).toEqual([192, 32]);
      expect(
        Buffer.from(png.data.subarray(0, 64 * 4)).equals(Buffer.from(frames[0].subarray(0, 64 * 4))),
      ).toBe(true);
      await writePreviewGif(s, join(dir, 'a.gif'), { scale: 2 });
      const gif = readFileSync(join(dir, 'a.gif'));
      expect(gif.subarray(0, 6).toString()).toBe('GIF89a');
      expect(gif.readUInt16LE(6)).toBe(64);
      // First image: descriptor after header (13) + palette (768) + NETSCAPE (19) + GCE (8).
      let at = 13 + 768 + 19 + 8;
      expect(gif[at]).toBe(0x2c);
      at += 10;
      const min = gif[at++];
      const chunks: number[] = [];
      while (gif[at] !== 0) {
        const n = gif[at++];
        chunks.push(...gif.subarray(at, at + n));
        at += n;
      }
      const idx = lzwDecode(Uint8Array.from(chunks), min);
      const f0 = frames[0];
      expect(idx).toEqual(
        Array.from({ length: 64 * 32 }, (_, p) => paletteIndex(f0[p * 4], f0[p * 4 + 1], f0[p * 4 + 2])),
      );
      expect(gif[gif.length - 1]).toBe(0x3b);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
