import { assertShape, ConfigError } from '@vfmkit/core';
import { MetricInputError } from './errors';
import { type BoolLike, checkFinite, type Numeric, toBinary } from './internal/check';

/** TAP-Vid query mode: `first` scores only frames after the query frame, `strided` every frame but it. */
export type TapVidQueryMode = 'first' | 'strided';

/** The TAP-Vid pixel thresholds (in a 256 x 256 frame). */
export const TAPVID_THRESHOLDS = [1, 2, 4, 8, 16] as const;

/** Inputs of {@link tapVidMetrics}; all positions in pixels of a 256 x 256 frame (see {@link scaleToTapVid}). */
export interface TapVidInputs {
  /** `[B, N, 3]` query points as `(t, y, x)`; only `t` is used (rounded to the nearest frame). */
  queryPoints: Numeric;
  /** `[B, N, T]` true where the point is occluded. */
  gtOccluded: BoolLike;
  /** `[B, N, T, 2]` true positions `(x, y)`. */
  gtTracks: Numeric;
  /** `[B, N, T]` predicted occlusion. */
  predOccluded: BoolLike;
  /** `[B, N, T, 2]` predicted positions `(x, y)`. */
  predTracks: Numeric;
  /** `[B, N, T]`: the shape of the occlusion arrays. */
  shape: readonly number[];
  queryMode: TapVidQueryMode;
}

/** Per-video TAP-Vid metrics (each `[B]`) and their means over videos. */
export interface TapVidMetrics {
  /** Average Jaccard over the thresholds. */
  averageJaccard: number;
  /** `<δ^x_avg`: average fraction of visible points within each threshold. */
  averagePtsWithinThresh: number;
  /** Occlusion accuracy. */
  occlusionAccuracy: number;
  /** `[5]` mean over videos of the Jaccard at 1, 2, 4, 8, 16 px. */
  jaccard: Float64Array;
  /** `[5]` mean over videos of the fraction within 1, 2, 4, 8, 16 px. */
  ptsWithin: Float64Array;
  /** Per-video values, `[B]` each (NaN where a video has no evaluable or visible point). */
  perVideo: {
    averageJaccard: Float64Array;
    averagePtsWithinThresh: Float64Array;
    occlusionAccuracy: Float64Array;
  };
  queryMode: TapVidQueryMode;
}

/**
 * Rescales `(x, y)` pixel positions from a `width x height` frame to TAP-Vid's 256 x 256 frame.
 * @param points `[..., 2]` positions `(x, y)`; returns a new `Float64Array`.
 */
export function scaleToTapVid(points: Numeric, width: number, height: number): Float64Array {
  if (!(width > 0 && height > 0))
    throw new ConfigError(`frame size must be positive, got ${width} x ${height}`, { key: 'width' });
  const out = new Float64Array(points.length);
  for (let i = 0; i < points.length; i += 2) {
    out[i] = (points[i] * 256) / width;
    out[i + 1] = (points[i + 1] * 256) / height;
  }
  return out;
}

/**
 * TAP-Vid metrics (Doersch et al. 2022; tapnet's `compute_tapvid_metrics`): per video, over the frames
 * that the query mode evaluates,
 * - OA = fraction of frames where the predicted occlusion equals the true one;
 * - `<δ^x` = visible points predicted within x px (strictly closer) / visible points, ignoring predicted occlusion;
 * - Jaccard_x = TP / (TP + FP + FN): TP = visible, predicted visible and within x; FP = predicted visible
 *   and (occluded or not within x); FN = visible and (predicted occluded or not within x);
 * then averaged over x in {1, 2, 4, 8, 16} and over videos. Positions must be in a 256 x 256 frame.
 * A video with no visible evaluable point gives NaN for it (as numpy would), and is left out of the means.
 */
export function tapVidMetrics(inputs: TapVidInputs): TapVidMetrics {
  const { B, N, T } = assertShape('gtOccluded', inputs.shape, ['B', 'N', 'T']);
  const { queryMode } = inputs;
  if (queryMode !== 'first' && queryMode !== 'strided')
    throw new ConfigError(`queryMode must be 'first' or 'strided', got ${String(queryMode)}`, {
      key: 'queryMode',
    });
  checkFinite('queryPoints', inputs.queryPoints, [B, N, 3]);
  const gtOcc = toBinary('gtOccluded', inputs.gtOccluded, [B, N, T]);
  const predOcc = toBinary('predOccluded', inputs.predOccluded, [B, N, T]);
  checkFinite('gtTracks', inputs.gtTracks, [B, N, T, 2]);
  checkFinite('predTracks', inputs.predTracks, [B, N, T, 2]);
  const K = TAPVID_THRESHOLDS.length;
  const vidAj = new Float64Array(B);
  const vidPts = new Float64Array(B);
  const vidOa = new Float64Array(B);
  const vidJac = Array.from({ length: K }, () => new Float64Array(B));
  const vidWithin = Array.from({ length: K }, () => new Float64Array(B));
  for (let b = 0; b < B; b++) {
    let evalCount = 0;
    let occAgree = 0;
    let visible = 0;
    const correct = new Float64Array(K);
    const tp = new Float64Array(K);
    const fp = new Float64Array(K);
    for (let n = 0; n < N; n++) {
      const q = Math.round(inputs.queryPoints[(b * N + n) * 3]);
      if (q < 0 || q >= T)
        throw new MetricInputError(`queryPoints[${b}, ${n}]: query frame ${q} is outside [0, ${T})`, {
          name: 'queryPoints',
          index: (b * N + n) * 3,
        });
      for (let t = 0; t < T; t++) {
        if (queryMode === 'first' ? t <= q : t === q) continue;
        const i = (b * N + n) * T + t;
        evalCount++;
        if (gtOcc[i] === predOcc[i]) occAgree++;
        const vis = gtOcc[i] === 0;
        const predVis = predOcc[i] === 0;
        if (vis) visible++;
        const dx = inputs.predTracks[2 * i] - inputs.gtTracks[2 * i];
        const dy = inputs.predTracks[2 * i + 1] - inputs.gtTracks[2 * i + 1];
        const d2 = dx * dx + dy * dy;
        for (let k = 0; k < K; k++) {
          const within = d2 < TAPVID_THRESHOLDS[k] ** 2;
          if (within && vis) {
            correct[k]++;
            if (predVis) tp[k]++;
          }
          if (predVis && (!vis || !within)) fp[k]++;
        }
      }
    }
    vidOa[b] = occAgree / evalCount;
    let ajSum = 0;
    let ptsSum = 0;
    for (let k = 0; k < K; k++) {
      vidWithin[k][b] = correct[k] / visible;
      vidJac[k][b] = tp[k] / (visible + fp[k]);
      ajSum += vidJac[k][b];
      ptsSum += vidWithin[k][b];
    }
    vidAj[b] = ajSum / K;
    vidPts[b] = ptsSum / K;
  }
  const meanOf = (v: Float64Array) => {
    let s = 0;
    let c = 0;
    for (const x of v)
      if (!Number.isNaN(x)) {
        s += x;
        c++;
      }
    return c === 0 ? Number.NaN : s / c;
  };
  return {
    averageJaccard: meanOf(vidAj),
    averagePtsWithinThresh: meanOf(vidPts),
    occlusionAccuracy: meanOf(vidOa),
    jaccard: Float64Array.from(vidJac, meanOf),
    ptsWithin: Float64Array.from(vidWithin, meanOf),
    perVideo: { averageJaccard: vidAj, averagePtsWithinThresh: vidPts, occlusionAccuracy: vidOa },
    queryMode,
  };
}
