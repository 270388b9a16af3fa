import { assertLength, type Clip, ConfigError, ShapeError } from '@vfmkit/core';
import type { CropBox } from '../sampling';

/** Resampling filters: `bilinear` (half-pixel centres, no antialias, = PyTorch `align_corners=False`)
 * and `area` (box average over the covered source pixels, = PyTorch `mode='area'`). */
export type ResizeMode = 'bilinear' | 'area';

/** Checks a clip is `[T, H, W, C]` with matching data. */
export function checkClip(clip: Clip, name = 'clip'): void {
  if (clip.shape.length !== 4)
    throw new ShapeError(`${name}: expected [T, H, W, C], got [${clip.shape.join(', ')}]`, {
      name,
      expected: ['T', 'H', 'W', 'C'],
      actual: [...clip.shape],
    });
  assertLength(name, clip.data, clip.shape);
}

function requireRgb(clip: Clip, op: string): void {
  if (clip.shape[3] !== 3)
    throw new ShapeError(`${op} needs 3 channels, got ${clip.shape[3]}`, {
      name: 'clip',
      expected: ['T', 'H', 'W', 3],
      actual: [...clip.shape],
    });
}

/** Taps of a 1-D resampler: for output i, source indices `idx[off[i]..off[i+1])` with weights `w`. */
interface Taps {
  off: Int32Array;
  idx: Int32Array;
  w: Float32Array;
}

function taps(inSize: number, outSize: number, mode: ResizeMode): Taps {
  const off = new Int32Array(outSize + 1);
  const idx: number[] = [];
  const w: number[] = [];
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    off[o] = idx.length;
    if (mode === 'bilinear') {
      const src = Math.max(0, (o + 0.5) * scale - 0.5);
      const i0 = Math.min(Math.floor(src), inSize - 1);
      const i1 = Math.min(i0 + 1, inSize - 1);
      const l = src - i0;
      idx.push(i0, i1);
      w.push(1 - l, l);
    } else {
      const start = Math.floor((o * inSize) / outSize);
      const end = Math.ceil(((o + 1) * inSize) / outSize);
      for (let i = start; i < end; i++) {
        idx.push(i);
        w.push(1 / (end - start));
      }
    }
  }
  off[outSize] = idx.length;
  return { off, idx: Int32Array.from(idx), w: Float32Array.from(w) };
}

/**
 * Resizes every frame of a `[T, H, W, C]` clip to `[T, height, width, C]` (separable: width, then height).
 */
export function resizeClip(clip: Clip, height: number, width: number, mode: ResizeMode = 'bilinear'): Clip {
  checkClip(clip);
  for (const [k, v] of [
    ['height', height],
    ['width', width],
  ] as const)
    if (!Number.isInteger(v) || v <= 0)
      throw new ConfigError(`resize ${k} must be a positive integer, got ${v}`, { key: k, value: v });
  const [T, H, W, C] = clip.shape;
  if (H === height && W === width) return clip;
  const tx = taps(W, width, mode);
  const ty = taps(H, height, mode);
  const mid = new Float32Array(H * width * C);
  const out = new Float32Array(T * height * width * C);
  const src = clip.data;
  for (let t = 0; t < T; t++) {
    const base = t * H * W * C;
    for (let y = 0; y < H; y++) {
      const row = base + y * W * C;
      for (let x = 0; x < width; x++) {
        const o = (y * width + x) * C;
        for (let c = 0; c < C; c++) mid[o + c] = 0;
        for (let k = tx.off[x]; k < tx.off[x + 1]; k++) {
          const s = row + tx.idx[k] * C;
          const wk = tx.w[k];
          for (let c = 0; c < C; c++) mid[o + c] += wk * src[s + c];
        }
      }
    }
    const obase = t * height * width * C;
    const rowLen = width * C;
    for (let y = 0; y < height; y++) {
      const o = obase + y * rowLen;
      for (let k = ty.off[y]; k < ty.off[y + 1]; k++) {
        const s = ty.idx[k] * rowLen;
        const wk = ty.w[k];
        for (let i = 0; i < rowLen; i++) out[o + i] += wk * mid[s + i];
      }
    }
  }
  return { data: out, shape: [T, height, width, C] };
}

/** Crops the same box out of every frame: `[T, H, W, C]` -> `[T, box.height, box.width, C]`. */
export function cropClip(clip: Clip, box: CropBox): Clip {
  checkClip(clip);
  const [T, H, W, C] = clip.shape;
  const { top, left, height, width } = box;
  if (
    ![top, left, height, width].every(Number.isInteger) ||
    top < 0 ||
    left < 0 ||
    height <= 0 ||
    width <= 0 ||
    top + height > H ||
    left + width > W
  ) {
    throw new ConfigError(`crop box ${JSON.stringify(box)} does not fit in a ${H}x${W} frame`, {
      key: 'box',
      value: box,
    });
  }
  const out = new Float32Array(T * height * width * C);
  const rowLen = width * C;
  for (let t = 0; t < T; t++)
    for (let y = 0; y < height; y++) {
      const s = ((t * H + top + y) * W + left) * C;
      out.set(clip.data.subarray(s, s + rowLen), (t * height + y) * rowLen);
    }
  return { data: out, shape: [T, height, width, C] };
}

/** Mirrors every frame left-right. */
export function flipClip(clip: Clip): Clip {
  checkClip(clip);
  const [T, H, W, C] = clip.shape;
  const out = new Float32Array(clip.data.length);
  for (let r = 0; r < T * H; r++)
    for (let x = 0; x < W; x++) {
      const s = (r * W + x) * C;
      const d = (r * W + (W - 1 - x)) * C;
      for (let c = 0; c < C; c++) out[d + c] = clip.data[s + c];
    }
  return { data: out, shape: clip.shape };
}

/** `(x - mean[c]) / std[c]` per channel. */
export function normalizeClip(clip: Clip, mean: readonly number[], std: readonly number[]): Clip {
  checkClip(clip);
  const C = clip.shape[3];
  if (mean.length !== C || std.length !== C || std.some((s) => !(s > 0)))
    throw new ConfigError(`normalize needs ${C} means and ${C} positive stds`, {
      key: 'normalize',
      mean,
      std,
    });
  const out = new Float32Array(clip.data.length);
  for (let i = 0; i < out.length; i++) {
    const c = i % C;
    out[i] = (clip.data[i] - mean[c]) / std[c];
  }
  return { data: out, shape: clip.shape };
}

/** ITU-R 601 luma, as torchvision: `0.299 R + 0.587 G + 0.114 B`. */
export function luma(r: number, g: number, b: number): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

/** Replaces RGB by its luma in all three channels. */
export function grayscaleClip(clip: Clip): Clip {
  checkClip(clip);
  requireRgb(clip, 'grayscale');
  const out = new Float32Array(clip.data.length);
  const d = clip.data;
  for (let i = 0; i < d.length; i += 3) out[i] = out[i + 1] = out[i + 2] = luma(d[i], d[i + 1], d[i + 2]);
  return { data: out, shape: clip.shape };
}

/** Colour-jitter parameters as torchvision applies them (factor 1 / shift 0 = unchanged). */
export interface JitterParams {
  brightness: number;
  contrast: number;
  saturation: number;
  /** Hue shift in turns, in [-0.5, 0.5]. */
  hue: number;
  /** Order of the four ops: a permutation of 0 (brightness), 1 (contrast), 2 (saturation), 3 (hue). */
  order: readonly number[];
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

function shiftHue(r: number, g: number, b: number, shift: number, out: Float32Array, o: number): void {
  // torchvision _rgb2hsv / _hsv2rgb
  const maxc = Math.max(r, g, b);
  const minc = Math.min(r, g, b);
  const v = maxc;
  const cr = maxc - minc;
  const s = cr / (maxc === 0 ? 1 : maxc);
  const crDiv = cr === 0 ? 1 : cr;
  const rc = (maxc - r) / crDiv;
  const gc = (maxc - g) / crDiv;
  const bc = (maxc - b) / crDiv;
  let h: number;
  if (maxc === r) h = bc - gc;
  else if (maxc === g) h = 2 + rc - bc;
  else h = 4 + gc - rc;
  h = (((h / 6 + 1) % 1) + shift + 1) % 1;
  const i6 = Math.floor(h * 6);
  const f = h * 6 - i6;
  const i = i6 % 6;
  const p = clamp01(v * (1 - s));
  const q = clamp01(v * (1 - s * f));
  const t = clamp01(v * (1 - s * (1 - f)));
  const table = [
    [v, t, p],
    [q, v, p],
    [p, v, t],
    [p, q, v],
    [t, p, v],
    [v, p, q],
  ][i];
  out[o] = table[0];
  out[o + 1] = table[1];
  out[o + 2] = table[2];
}

/**
 * Brightness, contrast, saturation and hue with the same parameters on every frame, in `order`,
 * following torchvision's float-image definitions: brightness `x * f`; contrast blends with the frame's
 * mean luma; saturation blends with the pixel's luma; hue rotates H in HSV. Each op clamps to [0, 1].
 */
export function colorJitterClip(clip: Clip, p: JitterParams): Clip {
  checkClip(clip);
  requireRgb(clip, 'colorJitter');
  const [T, H, W] = clip.shape;
  const out = Float32Array.from(clip.data);
  const frame = H * W * 3;
  for (const op of p.order) {
    if (op === 0 && p.brightness !== 1)
      for (let i = 0; i < out.length; i++) out[i] = clamp01(out[i] * p.brightness);
    if (op === 1 && p.contrast !== 1) {
      for (let t = 0; t < T; t++) {
        let sum = 0;
        for (let i = t * frame; i < (t + 1) * frame; i += 3) sum += luma(out[i], out[i + 1], out[i + 2]);
        const mean = sum / (H * W);
        const f = p.contrast;
        for (let i = t * frame; i < (t + 1) * frame; i++) out[i] = clamp01(f * out[i] + (1 - f) * mean);
      }
    }
    if (op === 2 && p.saturation !== 1) {
      const f = p.saturation;
      for (let i = 0; i < out.length; i += 3) {
        const g = luma(out[i], out[i + 1], out[i + 2]);
        for (let c = 0; c < 3; c++) out[i + c] = clamp01(f * out[i + c] + (1 - f) * g);
      }
    }
    if (op === 3 && p.hue !== 0)
      for (let i = 0; i < out.length; i += 3) shiftHue(out[i], out[i + 1], out[i + 2], p.hue, out, i);
  }
  return { data: out, shape: clip.shape };
}

/** The normalised 1-D Gaussian kernel torchvision uses: `exp(-x^2 / (2 sigma^2))` at integer offsets. */
export function gaussianKernel(size: number, sigma: number): Float32Array {
  const k = new Float64Array(size);
  let sum = 0;
  for (let i = 0; i < size; i++) {
    const x = i - (size - 1) / 2;
    k[i] = Math.exp(-0.5 * (x / sigma) ** 2);
    sum += k[i];
  }
  return Float32Array.from(k, (v) => v / sum);
}

/** Separable Gaussian blur of every frame with reflect padding (torchvision's). */
export function gaussianBlurClip(clip: Clip, kernelSize: number, sigma: number): Clip {
  checkClip(clip);
  const [T, H, W, C] = clip.shape;
  const r = (kernelSize - 1) / 2;
  if (r >= H || r >= W)
    throw new ConfigError(`blur kernel ${kernelSize} is too large for a ${H}x${W} frame`, {
      key: 'kernelSize',
      value: kernelSize,
    });
  const k = gaussianKernel(kernelSize, sigma);
  const reflect = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);
  const mid = new Float32Array(clip.data.length);
  const out = new Float32Array(clip.data.length);
  const d = clip.data;
  for (let t = 0; t < T; t++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        for (let c = 0; c < C; c++) {
          let s = 0;
          for (let j = 0; j < kernelSize; j++)
            s += k[j] * d[((t * H + y) * W + reflect(x + j - r, W)) * C + c];
          mid[((t * H + y) * W + x) * C + c] = s;
        }
  for (let t = 0; t < T; t++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        for (let c = 0; c < C; c++) {
          let s = 0;
          for (let j = 0; j < kernelSize; j++)
            s += k[j] * mid[((t * H + reflect(y + j - r, H)) * W + x) * C + c];
          out[((t * H + y) * W + x) * C + c] = s;
        }
  return { data: out, shape: clip.shape };
}
