import { assertShape, ConfigError } from '@vfmkit/core';
import { checkFinite, type Numeric } from './internal/check';
import { umeyama } from './internal/linalg';

/** Which frame pairs are compared: every `i < j`, consecutive frames, or the first frame with each other. */
export type PosePairs = 'all' | 'consecutive' | 'first';

/** Options of {@link cameraPoseMetrics}. */
export interface CameraPoseOptions {
  /** Default `all`. */
  pairs?: PosePairs;
  /** Accuracy thresholds in degrees for rotation and translation direction (default 5, 15, 30). */
  thresholds?: readonly number[];
  /** AUC up to this many degrees, in 1-degree steps (default 30). */
  aucMaxDegrees?: number;
  /** Fit scale in the ATE alignment (Sim(3), default true, for scale-free predictions) or not (SE(3)). */
  alignScale?: boolean;
}

/** Camera pose metrics over frame pairs and the trajectory. */
export interface CameraPoseMetrics {
  /** Mean and median relative rotation error, degrees. */
  rotationErrorMean: number;
  rotationErrorMedian: number;
  /** Mean and median relative translation-direction error, degrees (pairs with a true baseline only). */
  translationErrorMean: number;
  translationErrorMedian: number;
  /** Fraction of pairs under each threshold: `rotationAccuracy[k]` for `thresholds[k]` (RRA), and translation (RTA). */
  thresholds: number[];
  rotationAccuracy: Float64Array;
  translationAccuracy: Float64Array;
  /** Area under the accuracy curve of max(rotation, translation) error up to `aucMaxDegrees` (mAA / AUC@30). */
  auc: number;
  /** Absolute trajectory error: RMSE of camera centres after Umeyama alignment (ground-truth units). */
  ate: number;
  /** Pairs scored, and those without a true baseline (left out of translation statistics). */
  pairs: number;
  pairsWithoutBaseline: number;
}

const DEG = 180 / Math.PI;

/** Reads a row-major camera-to-world pose `[3, 4]` or `[4, 4]` at index `f` into R (3x3) and t. */
function poseAt(data: Numeric, stride: number, f: number): { R: number[]; t: number[] } {
  const o = f * stride;
  return {
    R: [
      data[o],
      data[o + 1],
      data[o + 2],
      data[o + 4],
      data[o + 5],
      data[o + 6],
      data[o + 8],
      data[o + 9],
      data[o + 10],
    ],
    t: [data[o + 3], data[o + 7], data[o + 11]],
  };
}

/** Relative pose of camera j in camera i's frame: `R_ij = R_i^T R_j`, `t_ij = R_i^T (t_j - t_i)`. */
function relative(
  a: { R: number[]; t: number[] },
  b: { R: number[]; t: number[] },
): { R: number[]; t: number[] } {
  const R = new Array<number>(9).fill(0);
  const t = [0, 0, 0];
  const d = [b.t[0] - a.t[0], b.t[1] - a.t[1], b.t[2] - a.t[2]];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) R[r * 3 + c] += a.R[k * 3 + r] * b.R[k * 3 + c];
    for (let k = 0; k < 3; k++) t[r] += a.R[k * 3 + r] * d[k];
  }
  return { R, t };
}

/** Geodesic angle between two rotations, degrees: `acos((tr(A^T B) - 1) / 2)`. */
export function rotationAngleDegrees(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let tr = 0;
  for (let i = 0; i < 9; i++) tr += a[i] * b[i];
  return Math.acos(Math.min(1, Math.max(-1, (tr - 1) / 2))) * DEG;
}

/** Angle between two direction vectors, degrees; 180 when the first (predicted) is zero and the second is not. */
export function directionAngleDegrees(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  const np = Math.hypot(pred[0], pred[1], pred[2]);
  const nt = Math.hypot(truth[0], truth[1], truth[2]);
  if (nt === 0) return Number.NaN;
  if (np === 0) return 180;
  const c = (pred[0] * truth[0] + pred[1] * truth[1] + pred[2] * truth[2]) / (np * nt);
  return Math.acos(Math.min(1, Math.max(-1, c))) * DEG;
}

function median(v: number[]): number {
  if (v.length === 0) return Number.NaN;
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Camera pose metrics of one trajectory (4DS's exact protocol is unverified; this follows the
 * relative-pose conventions of PoseDiffusion / RelPose++):
 * - per frame pair, relative rotation error (geodesic angle) and translation-direction error (angle
 *   between relative translations); pairs whose true relative translation is zero have no direction and
 *   are left out of translation statistics, and their AUC error is the rotation error alone;
 * - accuracy under each threshold (RRA / RTA) and AUC@`aucMaxDegrees`: the mean over t = 1..max of the
 *   fraction of pairs with max(rotation, translation) error < t (<= max for the last bin, as
 *   PoseDiffusion's histogram does);
 * - ATE: RMSE of camera centres after aligning predicted to true centres with Umeyama (Sim(3) by default).
 *
 * @param pred `[T, 4, 4]` or `[T, 3, 4]` predicted camera-to-world poses, row-major.
 * @param target same shape, true poses.
 * @param shape the shared shape.
 */
export function cameraPoseMetrics(
  pred: Numeric,
  target: Numeric,
  shape: readonly number[],
  options: CameraPoseOptions = {},
): CameraPoseMetrics {
  const { T } = assertShape('pred', shape, ['T', null, 4]);
  if (shape[1] !== 3 && shape[1] !== 4) assertShape('pred', shape, ['T', 4, 4]);
  checkFinite('pred', pred, shape);
  checkFinite('target', target, shape);
  const stride = shape[1] * 4;
  const mode = options.pairs ?? 'all';
  if (!['all', 'consecutive', 'first'].includes(mode))
    throw new ConfigError(`pairs must be 'all', 'consecutive' or 'first', got ${String(mode)}`, {
      key: 'pairs',
    });
  const thresholds = [...(options.thresholds ?? [5, 15, 30])];
  const aucMax = options.aucMaxDegrees ?? 30;
  if (!Number.isInteger(aucMax) || aucMax < 1)
    throw new ConfigError(`aucMaxDegrees must be a positive integer, got ${aucMax}`, {
      key: 'aucMaxDegrees',
    });
  const P = Array.from({ length: T }, (_, f) => poseAt(pred, stride, f));
  const G = Array.from({ length: T }, (_, f) => poseAt(target, stride, f));
  const pairs: [number, number][] = [];
  for (let i = 0; i < T; i++)
    for (let j = i + 1; j < T; j++)
      if (mode === 'all' || (mode === 'consecutive' && j === i + 1) || (mode === 'first' && i === 0))
        pairs.push([i, j]);
  const rot: number[] = [];
  const trans: number[] = [];
  const worst: number[] = [];
  for (const [i, j] of pairs) {
    const rp = relative(P[i], P[j]);
    const rg = relative(G[i], G[j]);
    const re = rotationAngleDegrees(rp.R, rg.R);
    const te = directionAngleDegrees(rp.t, rg.t);
    rot.push(re);
    if (!Number.isNaN(te)) trans.push(te);
    worst.push(Number.isNaN(te) ? re : Math.max(re, te));
  }
  const frac = (v: number[], ok: (x: number) => boolean) =>
    v.length === 0 ? Number.NaN : v.filter(ok).length / v.length;
  const mean = (v: number[]) => (v.length === 0 ? Number.NaN : v.reduce((a, b) => a + b, 0) / v.length);
  let auc = Number.NaN;
  if (worst.length > 0) {
    let s = 0;
    for (let t = 1; t <= aucMax; t++) s += frac(worst, (x) => (t === aucMax ? x <= t : x < t));
    auc = s / aucMax;
  }
  // ATE over camera centres
  const src = new Float64Array(3 * T);
  const dst = new Float64Array(3 * T);
  for (let f = 0; f < T; f++) {
    src.set(P[f].t, 3 * f);
    dst.set(G[f].t, 3 * f);
  }
  let ate = Number.NaN;
  if (T > 0) {
    const { rotation: R, translation: tt, scale } = umeyama(src, dst, options.alignScale ?? true);
    let se = 0;
    for (let f = 0; f < T; f++) {
      for (let r = 0; r < 3; r++) {
        const y =
          scale * (R[r * 3] * src[3 * f] + R[r * 3 + 1] * src[3 * f + 1] + R[r * 3 + 2] * src[3 * f + 2]) +
          tt[r];
        se += (y - dst[3 * f + r]) ** 2;
      }
    }
    ate = Math.sqrt(se / T);
  }
  return {
    rotationErrorMean: mean(rot),
    rotationErrorMedian: median(rot),
    translationErrorMean: mean(trans),
    translationErrorMedian: median(trans),
    thresholds,
    rotationAccuracy: Float64Array.from(thresholds, (t) => frac(rot, (x) => x < t)),
    translationAccuracy: Float64Array.from(thresholds, (t) => frac(trans, (x) => x < t)),
    auc,
    ate,
    pairs: pairs.length,
    pairsWithoutBaseline: pairs.length - trans.length,
  };
}
