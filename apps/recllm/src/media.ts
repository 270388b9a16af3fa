import { existsSync, mkdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import type { Clip } from '@vfmkit/core';
import { ShapeError } from '@vfmkit/core';
import { PNG } from 'pngjs';
import { MediaPathError } from './errors';

// gifenc is CommonJS (its ESM build is browser-only): load it through require in Node and under vitest alike.
const { applyPalette, GIFEncoder, quantize } = createRequire(import.meta.url)(
  'gifenc',
) as typeof import('gifenc');

/** Media file names: one plain file name, `[A-Za-z0-9_:-]` first, then `[A-Za-z0-9._:-]`, ending `.png` or `.gif`. */
const MEDIA_NAME = /^[A-Za-z0-9_:-][A-Za-z0-9._:-]{0,199}\.(png|gif)$/;

/** Content type of a media file name. */
export function mediaType(name: string): string {
  return name.endsWith('.gif') ? 'image/gif' : 'image/png';
}

/**
 * Resolves a requested media file name to a path inside `mediaDir`, or throws. Refuses anything that is
 * not a single plain file name (`..`, slashes, backslashes, NUL, leading dots, other extensions), and,
 * after resolving symlinks, anything whose real path leaves the real `mediaDir`.
 * @returns the absolute path, or `undefined` when the (valid) name does not exist.
 * @throws MediaPathError naming the refused name.
 */
export function resolveMediaFile(mediaDir: string, name: string): string | undefined {
  if (!MEDIA_NAME.test(name) || name.includes('..'))
    throw new MediaPathError(`not a media file name: '${name.slice(0, 100)}'`, { name: name.slice(0, 200) });
  const file = join(mediaDir, name);
  if (!existsSync(file)) return undefined;
  const root = realpathSync(mediaDir);
  const real = realpathSync(file);
  if (!real.startsWith(root + sep) || !statSync(real).isFile())
    throw new MediaPathError(`media file '${name}' is outside the media folder`, { name });
  return real;
}

/** sRGB byte of a linear value in [0, 1] (the synth4d renderer writes linear RGB). */
function srgbByte(v: number): number {
  const c = Math.min(1, Math.max(0, v));
  const s = c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055;
  return Math.round(s * 255);
}

/** Frame `t` of a `[T, H, W, 3]` clip as `[H, W, 4]` RGBA bytes (sRGB, opaque). */
export function frameRgba(clip: Clip, t: number, linear = true): Uint8Array {
  const [T, H, W, C] = clip.shape;
  if (clip.shape.length !== 4 || C !== 3)
    throw new ShapeError(`clip must be [T, H, W, 3], got [${clip.shape.join(', ')}]`, {
      name: 'clip',
      expected: ['T', 'H', 'W', 3],
      actual: clip.shape,
    });
  if (t < 0 || t >= T) throw new RangeError(`frame ${t} outside [0, ${T})`);
  const out = new Uint8Array(H * W * 4);
  const base = t * H * W * 3;
  for (let p = 0; p < H * W; p++) {
    for (let c = 0; c < 3; c++) {
      const v = clip.data[base + p * 3 + c];
      out[p * 4 + c] = linear ? srgbByte(v) : Math.round(Math.min(1, Math.max(0, v)) * 255);
    }
    out[p * 4 + 3] = 255;
  }
  return out;
}

/** PNG bytes of the first frame of a `[T, H, W, 3]` clip. */
export function firstFramePng(clip: Clip, linear = true): Buffer {
  const [, H, W] = clip.shape;
  const png = new PNG({ width: W, height: H });
  png.data = Buffer.from(frameRgba(clip, 0, linear));
  return PNG.sync.write(png);
}

/**
 * A short looping GIF of a `[T, H, W, 3]` clip (gifenc; one 256-colour palette quantised over all
 * frames, `delayMs` per frame, at most `maxFrames` frames evenly spaced).
 */
export function clipGif(
  clip: Clip,
  options: { delayMs?: number; maxFrames?: number; linear?: boolean } = {},
): Buffer {
  const [T, H, W] = clip.shape;
  const maxFrames = Math.max(1, Math.min(options.maxFrames ?? 16, T));
  const picks = Array.from({ length: maxFrames }, (_, i) => Math.floor((i * T) / maxFrames));
  const frames = picks.map((t) => frameRgba(clip, t, options.linear ?? true));
  const all = new Uint8Array(frames.length * H * W * 4);
  frames.forEach((f, i) => {
    all.set(f, i * H * W * 4);
  });
  const palette = quantize(all, 256);
  const gif = GIFEncoder();
  for (const f of frames)
    gif.writeFrame(applyPalette(f, palette), W, H, { palette, delay: options.delayMs ?? 100 });
  gif.finish();
  return Buffer.from(gif.bytes());
}

/**
 * Writes `<id>.png` (first frame) and `<id>.gif` (preview) for an item into `mediaDir`.
 * @returns the file names (relative to `mediaDir`), for `item.media.thumbnailPath`.
 */
export function writeThumbnails(
  mediaDir: string,
  id: string,
  clip: Clip,
  linear = true,
): { png: string; gif: string } {
  mkdirSync(mediaDir, { recursive: true });
  const png = `${id}.png`;
  const gif = `${id}.gif`;
  resolveMediaFile(mediaDir, png); // validates the name before writing
  writeFileSync(join(mediaDir, png), firstFramePng(clip, linear));
  writeFileSync(join(mediaDir, gif), clipGif(clip, { linear }));
  return { png, gif };
}
