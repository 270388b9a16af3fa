import { MetricInputError } from './errors';

/** A clip or image stack `[T, H, W, C]` (or `[H, W, C]` with `shape` of length 3), values in [0, maxValue]. */
export interface PixelArray {
  readonly data: ArrayLike<number>;
  readonly shape: readonly number[];
}

function frames(name: string, x: PixelArray): [number, number, number, number] {
  const s = x.shape.length === 3 ? [1, ...x.shape] : [...x.shape];
  if (s.length !== 4 || s.some((d) => !Number.isInteger(d) || d < 1))
    throw new MetricInputError(`${name} must be [T, H, W, C] or [H, W, C], got [${x.shape}]`, { name });
  if (x.data.length !== s[0] * s[1] * s[2] * s[3])
    throw new MetricInputError(`${name} has ${x.data.length} values for shape [${x.shape}]`, { name });
  return s as [number, number, number, number];
}

function sameShape(a: PixelArray, b: PixelArray): [number, number, number, number] {
  const sa = frames('a', a);
  const sb = frames('b', b);
  if (sa.join() !== sb.join())
    throw new MetricInputError(`a and b differ in shape: [${a.shape}] vs [${b.shape}]`, { name: 'b' });
  return sa;
}

/**
 * Peak signal-to-noise ratio in dB over all values: `10 log10(maxValue^2 / MSE)` (Infinity when equal).
 * @example psnr({ data: [0, 1], shape: [1, 2, 1] }, { data: [0, 0.9], shape: [1, 2, 1] }) // 23.01
 */
export function psnr(a: PixelArray, b: PixelArray, maxValue = 1): number {
  sameShape(a, b);
  let se = 0;
  for (let i = 0; i < a.data.length; i++) se += (a.data[i] - b.data[i]) ** 2;
  return 10 * Math.log10((maxValue * maxValue) / (se / a.data.length));
}

/** Options of {@link ssim}. */
export interface SsimOptions {
  /** The dynamic range L (1 for values in [0, 1]). */
  readonly maxValue?: number;
  /** Side of the Gaussian window (odd; default 11, shrunk to the largest odd size that fits the frame). */
  readonly window?: number;
  /** Standard deviation of the window (default 1.5). */
  readonly sigma?: number;
}

/**
 * Structural similarity (Wang, Bovik, Sheikh and Simoncelli 2004, "Image Quality Assessment: From
 * Error Visibility to Structural Similarity"): local means, variances and covariance under an 11 x 11
 * Gaussian window (sigma 1.5, weights summing to 1; population moments), constants
 * `C1 = (0.01 L)^2` and `C2 = (0.03 L)^2`, the SSIM map over every window position that fits inside
 * the frame, averaged over positions, channels and frames.
 * @param a `[T, H, W, C]` (or `[H, W, C]`)
 * @param b the same shape
 */
export function ssim(a: PixelArray, b: PixelArray, options: SsimOptions = {}): number {
  const [t, h, w, c] = sameShape(a, b);
  const L = options.maxValue ?? 1;
  const sigma = options.sigma ?? 1.5;
  let win = Math.min(options.window ?? 11, h, w);
  if (win % 2 === 0) win -= 1;
  if (win < 1) throw new MetricInputError(`window must be >= 1, got ${options.window}`, { name: 'window' });
  const g = Array.from({ length: win }, (_, i) =>
    Math.exp(-((i - (win - 1) / 2) ** 2) / (2 * sigma * sigma)),
  );
  const gs = g.reduce((x, y) => x + y, 0);
  for (let i = 0; i < win; i++) g[i] /= gs;
  const C1 = (0.01 * L) ** 2;
  const C2 = (0.03 * L) ** 2;
  const oh = h - win + 1;
  const ow = w - win + 1;
  // Separable filtering of the five moment images, 'valid' positions only.
  const filter = (img: Float64Array): Float64Array => {
    const rows = new Float64Array(h * ow);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < ow; x++) {
        let s = 0;
        for (let k = 0; k < win; k++) s += g[k] * img[y * w + x + k];
        rows[y * ow + x] = s;
      }
    const out = new Float64Array(oh * ow);
    for (let y = 0; y < oh; y++)
      for (let x = 0; x < ow; x++) {
        let s = 0;
        for (let k = 0; k < win; k++) s += g[k] * rows[(y + k) * ow + x];
        out[y * ow + x] = s;
      }
    return out;
  };
  let total = 0;
  const plane = (
    src: ArrayLike<number>,
    f: number,
    ch: number,
    fn: (v: number, u: number) => number,
    other?: ArrayLike<number>,
  ) => {
    const out = new Float64Array(h * w);
    for (let i = 0; i < h * w; i++) {
      const k = (f * h * w + i) * c + ch;
      out[i] = fn(src[k], other ? other[k] : 0);
    }
    return out;
  };
  for (let f = 0; f < t; f++)
    for (let ch = 0; ch < c; ch++) {
      const mx = filter(plane(a.data, f, ch, (v) => v));
      const my = filter(plane(b.data, f, ch, (v) => v));
      const sxx = filter(plane(a.data, f, ch, (v) => v * v));
      const syy = filter(plane(b.data, f, ch, (v) => v * v));
      const sxy = filter(plane(a.data, f, ch, (v, u) => v * u, b.data));
      let sum = 0;
      for (let i = 0; i < oh * ow; i++) {
        const vx = sxx[i] - mx[i] * mx[i];
        const vy = syy[i] - my[i] * my[i];
        const cxy = sxy[i] - mx[i] * my[i];
        sum +=
          ((2 * mx[i] * my[i] + C1) * (2 * cxy + C2)) /
          ((mx[i] * mx[i] + my[i] * my[i] + C1) * (vx + vy + C2));
      }
      total += sum / (oh * ow);
    }
  return total / (t * c);
}
