import { assertLength, ConfigError, ShapeError, sizeOf } from '@vfmkit/core';
import { type BoolLike, checkFinite, type Numeric, toBinary } from './internal/check';

/**
 * How predictions are put on the ground truth's scale before scoring: `none` scores metric depth as
 * predicted; `median` multiplies each image's prediction by `median(gt) / median(pred)` over its valid
 * pixels (the scale-aligned protocol of monocular depth, Eigen et al. 2014 / Monodepth2).
 */
export type DepthAlignment = 'none' | 'median';

/** Options of {@link depthMetrics}. */
export interface DepthMetricOptions {
  /** Default `none` (metric depth). */
  alignment?: DepthAlignment;
  /** Ground truth counts only where `minDepth < gt < maxDepth` (defaults 1e-3 and Infinity). */
  minDepth?: number;
  maxDepth?: number;
  /** Optional validity mask, same shape as the depth maps (1/true = score this pixel). */
  valid?: BoolLike;
}

/** Depth metrics, each averaged per image and then over images (the Eigen/Monodepth convention). */
export interface DepthMetrics {
  /** mean(|d̂ - d| / d). */
  absRel: number;
  /** mean((d̂ - d)^2 / d). */
  sqRel: number;
  /** sqrt(mean((d̂ - d)^2)). */
  rmse: number;
  /** sqrt(mean((log d̂ - log d)^2)). */
  rmseLog: number;
  /** Fraction of pixels with max(d̂/d, d/d̂) < 1.25, 1.25^2, 1.25^3. */
  delta1: number;
  delta2: number;
  delta3: number;
  alignment: DepthAlignment;
  /** `[I]` the scale applied to each image's prediction (1 without alignment; NaN for skipped images). */
  scales: Float64Array;
  /** Images scored, and images skipped because they had no valid pixel. */
  images: number;
  imagesSkipped: number;
  /** Valid pixels scored in total. */
  pixels: number;
}

function median(values: Float64Array): number {
  const s = Float64Array.from(values).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Depth metrics over valid pixels: AbsRel, SqRel, RMSE, RMSE(log) and the delta thresholds. After the
 * optional alignment, predictions are clamped to `[minDepth, maxDepth]` (as Monodepth2's evaluation
 * does) so that ratios and logs stay defined.
 *
 * @param pred `[..., H, W]` predicted depth (any leading dims, e.g. `[B, T, H, W]`; each `[H, W]` slice is an image).
 * @param target same shape, ground-truth depth.
 * @param shape the shared shape, rank >= 2.
 */
export function depthMetrics(
  pred: Numeric,
  target: Numeric,
  shape: readonly number[],
  options: DepthMetricOptions = {},
): DepthMetrics {
  if (shape.length < 2)
    throw new ShapeError(`depth maps: expected shape [..., H, W], got [${shape.join(', ')}]`, {
      name: 'pred',
      expected: [null, 'H', 'W'],
      actual: shape,
    });
  checkFinite('pred', pred, shape);
  assertLength('target', target, shape);
  const alignment = options.alignment ?? 'none';
  if (alignment !== 'none' && alignment !== 'median')
    throw new ConfigError(`alignment must be 'none' or 'median', got ${String(alignment)}`, {
      key: 'alignment',
    });
  const lo = options.minDepth ?? 1e-3;
  const hi = options.maxDepth ?? Number.POSITIVE_INFINITY;
  if (!(lo > 0 && hi > lo))
    throw new ConfigError(`need 0 < minDepth < maxDepth, got ${lo} and ${hi}`, { key: 'minDepth', lo, hi });
  const mask = options.valid === undefined ? undefined : toBinary('valid', options.valid, shape);
  const hw = shape[shape.length - 2] * shape[shape.length - 1];
  const images = hw === 0 ? 0 : sizeOf(shape) / hw;
  const scales = new Float64Array(images).fill(Number.NaN);
  const sums = { absRel: 0, sqRel: 0, rmse: 0, rmseLog: 0, delta1: 0, delta2: 0, delta3: 0 };
  let scored = 0;
  let pixels = 0;
  for (let im = 0; im < images; im++) {
    const idx: number[] = [];
    for (let p = im * hw; p < (im + 1) * hw; p++) {
      const d = target[p];
      if (Number.isFinite(d) && d > lo && d < hi && (mask === undefined || mask[p] === 1)) idx.push(p);
    }
    if (idx.length === 0) continue;
    let s = 1;
    if (alignment === 'median') {
      const g = Float64Array.from(idx, (p) => target[p]);
      const q = Float64Array.from(idx, (p) => pred[p]);
      s = median(g) / median(q);
      if (!Number.isFinite(s) || s <= 0) s = 1; // a non-positive prediction median cannot be aligned
    }
    scales[im] = s;
    let absRel = 0;
    let sqRel = 0;
    let se = 0;
    let seLog = 0;
    let d1 = 0;
    let d2 = 0;
    let d3 = 0;
    for (const p of idx) {
      const d = target[p];
      const e = Math.min(hi, Math.max(lo, pred[p] * s));
      const diff = e - d;
      absRel += Math.abs(diff) / d;
      sqRel += (diff * diff) / d;
      se += diff * diff;
      const l = Math.log(e) - Math.log(d);
      seLog += l * l;
      const r = Math.max(e / d, d / e);
      if (r < 1.25) d1++;
      if (r < 1.25 ** 2) d2++;
      if (r < 1.25 ** 3) d3++;
    }
    const n = idx.length;
    sums.absRel += absRel / n;
    sums.sqRel += sqRel / n;
    sums.rmse += Math.sqrt(se / n);
    sums.rmseLog += Math.sqrt(seLog / n);
    sums.delta1 += d1 / n;
    sums.delta2 += d2 / n;
    sums.delta3 += d3 / n;
    scored++;
    pixels += n;
  }
  const mean = (v: number) => (scored === 0 ? Number.NaN : v / scored);
  return {
    absRel: mean(sums.absRel),
    sqRel: mean(sums.sqRel),
    rmse: mean(sums.rmse),
    rmseLog: mean(sums.rmseLog),
    delta1: mean(sums.delta1),
    delta2: mean(sums.delta2),
    delta3: mean(sums.delta3),
    alignment,
    scales,
    images: scored,
    imagesSkipped: images - scored,
    pixels,
  };
}
