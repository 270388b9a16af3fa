import { type CameraPoseMetrics, cameraPoseMetrics } from '@vfmkit/metrics';
import type { Synth4dSample } from '@vfmkit/synth4d';
import type { ArrayWithShape } from '../cache/feature-rows';
import { ALL_READOUTS, poolerConfig, type Synth4dTask } from './task';

/** Predicted camera-to-world poses relative to frame 0: `[B, T, 4, 4]` row-major (frame 0 = identity). */
export interface PosePredictions {
  readonly poses: Float32Array;
  readonly shape: readonly [number, number];
}

/** Camera pose metrics averaged over clips (each clip is one trajectory). */
export interface PoseTaskMetrics {
  rotationErrorMean: number;
  translationErrorMean: number;
  /** AUC@30 of max(rotation, translation-direction) error over all frame pairs. */
  auc: number;
  /** ATE after Sim(3) Umeyama alignment, in synth4d world units. */
  ate: number;
  clips: number;
}

/** Relative translations shorter than this (world units) count as none: a pure pan has no baseline. */
const MIN_BASELINE = 1e-4;

/**
 * Relative camera-to-world poses of a clip: `P_j = E_0 E_j^{-1}`, the camera of frame j in frame 0's
 * camera coordinates (synth4d extrinsics E are world-to-camera, OpenCV axes). `[T, 4, 4]` row-major.
 * Translations shorter than 1e-4 world units (float32 noise of a pure pan) are set to exactly zero, so
 * that such pairs count as having no baseline.
 */
export function relativePoses(sample: Synth4dSample): Float64Array {
  const T = sample.config.frames;
  const E = sample.extrinsics;
  const out = new Float64Array(T * 16);
  const R0 = (r: number, c: number) => E[r * 4 + c];
  const t0 = (r: number) => E[r * 4 + 3];
  for (let j = 0; j < T; j++) {
    const o = j * 16;
    const Rj = (r: number, c: number) => E[o + r * 4 + c];
    const tj = (r: number) => E[o + r * 4 + 3];
    // R = R0 Rj^T, t = t0 - R Rj... : P_j = [R0 Rj^T | t0 - R0 Rj^T tj]
    for (let r = 0; r < 3; r++) {
      let tr = t0(r);
      for (let c = 0; c < 3; c++) {
        let v = 0;
        for (let k = 0; k < 3; k++) v += R0(r, k) * Rj(c, k);
        out[o + r * 4 + c] = v;
      }
      for (let c = 0; c < 3; c++) tr -= out[o + r * 4 + c] * tj(c);
      out[o + r * 4 + 3] = tr;
    }
    if (Math.hypot(out[o + 3], out[o + 7], out[o + 11]) < MIN_BASELINE) {
      out[o + 3] = 0;
      out[o + 7] = 0;
      out[o + 11] = 0;
    }
    out[o + 15] = 1;
  }
  return out;
}

/** Gram-Schmidt of two 3-vectors into the columns of a rotation (Zhou et al. 2019's 6D form). */
function rotationFrom6d(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const n1 = Math.hypot(a[0], a[1], a[2]) || 1;
  const c1 = [a[0] / n1, a[1] / n1, a[2] / n1];
  const d = c1[0] * b[0] + c1[1] * b[1] + c1[2] * b[2];
  let c2 = [b[0] - d * c1[0], b[1] - d * c1[1], b[2] - d * c1[2]];
  let n2 = Math.hypot(c2[0], c2[1], c2[2]);
  if (n2 < 1e-9) {
    // b parallel to a: any orthogonal direction
    c2 = Math.abs(c1[0]) < 0.9 ? [0, -c1[2], c1[1]] : [-c1[2], 0, c1[0]];
    n2 = Math.hypot(c2[0], c2[1], c2[2]);
  }
  c2 = [c2[0] / n2, c2[1] / n2, c2[2] / n2];
  const c3 = [c1[1] * c2[2] - c1[2] * c2[1], c1[2] * c2[0] - c1[0] * c2[2], c1[0] * c2[1] - c1[1] * c2[0]];
  return [c1[0], c2[0], c3[0], c1[1], c2[1], c3[1], c1[2], c2[2], c3[2]];
}

/**
 * `synth4d/pose`: one pooler query per frame reads out that frame's camera relative to frame 0: the
 * first two columns of its rotation (6D form, orthonormalised by Gram-Schmidt when decoded) and its
 * translation divided by the clip's largest relative translation (poses are scored up to scale).
 * Trained with L2. Scored per clip over all frame pairs: relative rotation and translation-direction
 * errors, AUC@30 of their maximum, ATE after Sim(3) alignment; averaged over clips.
 */
export const cameraPoseTask: Synth4dTask<PosePredictions, PoseTaskMetrics> = {
  name: 'synth4d/pose',
  readouts: ALL_READOUTS,
  task: 'pose',
  loss: 'l2',
  headline: 'auc30',
  scoreName: 'AUC@30 x 100',
  headConfig(kind, geometry) {
    const base = poolerConfig(kind, geometry);
    if (kind === 'linear') return { ...base, pool: 'mean', outputs: geometry.frames * 9 };
    return { ...base, queries: geometry.frames, outputs: 9, positional: true };
  },
  targetsFrom(samples, geometry) {
    const T = geometry.frames;
    const targets = new Float32Array(samples.length * T * 9);
    samples.forEach((s, b) => {
      const P = relativePoses(s);
      let scale = 0;
      for (let j = 0; j < T; j++)
        scale = Math.max(scale, Math.hypot(P[j * 16 + 3], P[j * 16 + 7], P[j * 16 + 11]));
      const inv = scale > MIN_BASELINE ? 1 / scale : 0;
      for (let j = 0; j < T; j++) {
        const p = j * 16;
        const o = (b * T + j) * 9;
        targets.set(
          [
            P[p],
            P[p + 4],
            P[p + 8],
            P[p + 1],
            P[p + 5],
            P[p + 9],
            P[p + 3] * inv,
            P[p + 7] * inv,
            P[p + 11] * inv,
          ],
          o,
        );
      }
    });
    return { targets: { data: targets, shape: [samples.length, T, 9] } };
  },
  decode(outputs: ArrayWithShape, samples, geometry) {
    const T = geometry.frames;
    const poses = new Float32Array(samples.length * T * 16);
    for (let b = 0; b < samples.length; b++)
      for (let j = 0; j < T; j++) {
        const o = (b * T + j) * 9;
        const y = outputs.data;
        const R =
          j === 0
            ? [1, 0, 0, 0, 1, 0, 0, 0, 1]
            : rotationFrom6d(y.subarray(o, o + 3), y.subarray(o + 3, o + 6));
        const t = j === 0 ? [0, 0, 0] : [y[o + 6], y[o + 7], y[o + 8]];
        poses.set(
          [R[0], R[1], R[2], t[0], R[3], R[4], R[5], t[1], R[6], R[7], R[8], t[2], 0, 0, 0, 1],
          (b * T + j) * 16,
        );
      }
    return { poses, shape: [samples.length, T] };
  },
  evaluate(pred, samples, geometry) {
    const T = geometry.frames;
    const sum = { rotationErrorMean: 0, translationErrorMean: 0, auc: 0, ate: 0 };
    const counts = { rotationErrorMean: 0, translationErrorMean: 0, auc: 0, ate: 0 };
    samples.forEach((s, b) => {
      const m: CameraPoseMetrics = cameraPoseMetrics(
        pred.poses.subarray(b * T * 16, (b + 1) * T * 16),
        relativePoses(s),
        [T, 4, 4],
      );
      for (const k of Object.keys(sum) as (keyof typeof sum)[]) {
        if (Number.isNaN(m[k])) continue;
        sum[k] += m[k];
        counts[k]++;
      }
    });
    const avg = (k: keyof typeof sum) => (counts[k] ? sum[k] / counts[k] : Number.NaN);
    return {
      rotationErrorMean: avg('rotationErrorMean'),
      translationErrorMean: avg('translationErrorMean'),
      auc: avg('auc'),
      ate: avg('ate'),
      clips: samples.length,
    };
  },
  metrics(m) {
    return [
      { name: 'auc30', value: m.auc, higherIsBetter: true },
      { name: 'rotationErrorDeg', value: m.rotationErrorMean, higherIsBetter: false },
      { name: 'translationErrorDeg', value: m.translationErrorMean, higherIsBetter: false },
      { name: 'ate', value: m.ate, higherIsBetter: false },
    ];
  },
  score: (m) => 100 * m.auc,
};
