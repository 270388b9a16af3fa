/**
 * A minimal animated-GIF89a encoder: a fixed 6x7x6 color cube palette (252 colors), LZW-compressed
 * frames, looping forever. Enough for previews; no dithering.
 */

/** Palette index of an RGB byte triple in the fixed 6x7x6 cube. */
export function paletteIndex(r: number, g: number, b: number): number {
  return Math.round((r * 5) / 255) * 42 + Math.round((g * 6) / 255) * 6 + Math.round((b * 5) / 255);
}

/** The 256-entry palette (RGB bytes): the 6x7x6 cube then 4 black entries. */
export function gifPalette(): Uint8Array {
  const p = new Uint8Array(256 * 3);
  for (let r = 0; r < 6; r++)
    for (let g = 0; g < 7; g++)
      for (let b = 0; b < 6; b++) {
        const i = r * 42 + g * 6 + b;
        p[i * 3] = Math.round((r * 255) / 5);
        p[i * 3 + 1] = Math.round((g * 255) / 6);
        p[i * 3 + 2] = Math.round((b * 255) / 5);
      }
  return p;
}

/** LZW-compresses palette indices with minimum code size 8 (GIF variant); returns the code stream bytes. */
export function lzwEncode(indices: Uint8Array): Uint8Array {
  const out: number[] = [];
  let bitBuf = 0;
  let bitCount = 0;
  const clear = 256;
  const eoi = 257;
  let codeSize = 9;
  let next = eoi + 1;
  let table = new Map<number, number>();
  const emit = (code: number) => {
    bitBuf |= code << bitCount;
    bitCount += codeSize;
    while (bitCount >= 8) {
      out.push(bitBuf & 0xff);
      bitBuf >>>= 8;
      bitCount -= 8;
    }
  };
  emit(clear);
  if (indices.length === 0) {
    emit(eoi);
    if (bitCount > 0) out.push(bitBuf & 0xff);
    return Uint8Array.from(out);
  }
  let cur = indices[0];
  for (let i = 1; i < indices.length; i++) {
    const k = indices[i];
    const key = cur * 256 + k;
    const found = table.get(key);
    if (found !== undefined) {
      cur = found;
      continue;
    }
    emit(cur);
    if (next === 4096) {
      emit(clear);
      next = eoi + 1;
      codeSize = 9;
      table = new Map();
    } else {
      if (next >= 1 << codeSize) codeSize++;
      table.set(key, next++);
    }
    cur = k;
  }
  emit(cur);
  emit(eoi);
  if (bitCount > 0) out.push(bitBuf & 0xff);
  return Uint8Array.from(out);
}

/**
 * Encodes RGBA frames (each `[H, W, 4]` bytes) as a looping GIF.
 * @param delayCs delay between frames in hundredths of a second.
 */
export function encodeGif(
  frames: readonly Uint8Array[],
  width: number,
  height: number,
  delayCs = 10,
): Uint8Array {
  const bytes: number[] = [];
  const u16 = (v: number) => bytes.push(v & 0xff, (v >> 8) & 0xff);
  for (const c of 'GIF89a') bytes.push(c.charCodeAt(0));
  u16(width);
  u16(height);
  bytes.push(0xf7, 0, 0); // global color table, 8 bits per channel, 256 entries
  for (const v of gifPalette()) bytes.push(v);
  // NETSCAPE2.0 loop forever.
  bytes.push(0x21, 0xff, 0x0b);
  for (const c of 'NETSCAPE2.0') bytes.push(c.charCodeAt(0));
  bytes.push(0x03, 0x01, 0x00, 0x00, 0x00);
  const idx = new Uint8Array(width * height);
  for (const rgba of frames) {
    bytes.push(0x21, 0xf9, 0x04, 0x00);
    u16(delayCs);
    bytes.push(0x00, 0x00);
    bytes.push(0x2c);
    u16(0);
    u16(0);
    u16(width);
    u16(height);
    bytes.push(0x00);
    for (let p = 0; p < width * height; p++)
      idx[p] = paletteIndex(rgba[p * 4], rgba[p * 4 + 1], rgba[p * 4 + 2]);
    const data = lzwEncode(idx);
    bytes.push(8);
    for (let at = 0; at < data.length; at += 255) {
      const n = Math.min(255, data.length - at);
      bytes.push(n);
      for (let i = 0; i < n; i++) bytes.push(data[at + i]);
    }
    bytes.push(0x00);
  }
  bytes.push(0x3b);
  return Uint8Array.from(bytes);
}
