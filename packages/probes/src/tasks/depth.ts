import { type DepthMetrics, depthMetrics } from '@vfmkit/metrics';
import type { Synth4dSample } from '@vfmkit/synth4d';
import type { ArrayWithShape } from '../cache/feature-rows';
import { ALL_READOUTS, poolerConfig, type Synth4dTask, type TaskGeometry } from './task';

/** Depth at token resolution: `[B, t, h, w]` maps, with the cells that had ground truth. */
export interface TokenDepth {
  /** `[B, t, h, w]` depth (same units as synth4d's z-depth). */
  readonly depth: Float32Array;
  /** `[B, t, h, w]` 1 where at least half of the cell's pixels see a surface (not the sky). */
  readonly valid: Uint8Array;
  readonly shape: readonly [number, number, number, number];
}

/** Depth metrics with median alignment (the headline) and metric (no alignment). */
export interface DepthTaskMetrics {
  readonly aligned: DepthMetrics;
  readonly metric: DepthMetrics;
}

/**
 * Ground-truth depth at token resolution: each token's cell (its tubelet's frames and pixels) gets the
 * mean depth of its surface pixels; cells where fewer than half of the pixels see a surface (sky has
 * depth 0) are invalid and neither trained on nor scored.
 */
export function tokenDepth(samples: readonly Synth4dSample[], geometry: TaskGeometry): TokenDepth {
  const { grid, frames: T, height: H, width: W } = geometry;
  const [ft, fh, fw] = [T / grid.t, H / grid.h, W / grid.w];
  const B = samples.length;
  const cells = grid.t * grid.h * grid.w;
  const depth = new Float32Array(B * cells);
  const valid = new Uint8Array(B * cells);
  samples.forEach((s, b) => {
    for (let ti = 0; ti < grid.t; ti++)
      for (let hi = 0; hi < grid.h; hi++)
        for (let wi = 0; wi < grid.w; wi++) {
          let sum = 0;
          let n = 0;
          for (let f = ti * ft; f < (ti + 1) * ft; f++)
            for (let y = hi * fh; y < (hi + 1) * fh; y++)
              for (let x = wi * fw; x < (wi + 1) * fw; x++) {
                const d = s.depth[(f * H + y) * W + x];
                if (d > 0) {
                  sum += d;
                  n++;
                }
              }
          const i = b * cells + (ti * grid.h + hi) * grid.w + wi;
          if (n * 2 >= ft * fh * fw) {
            depth[i] = sum / n;
            valid[i] = 1;
          }
        }
  });
  return { depth, valid, shape: [B, grid.t, grid.h, grid.w] };
}

/**
 * `synth4d/depth`: a dense per-token readout of log depth (one output per token: `linear` reads each
 * token, `attentive` / `mlap` use one learned query per token with learned positions, as 4DS's dense
 * readout does), trained with L1 on valid cells. Scored at token resolution with AbsRel and
 * delta < 1.25^k, both after per-image median alignment (headline; scale-aligned protocol) and metric.
 */
export const depthTask: Synth4dTask<TokenDepth, DepthTaskMetrics> = {
  name: 'synth4d/depth',
  readouts: ALL_READOUTS,
  task: 'depth',
  loss: 'l1',
  headline: 'absRel (median-aligned)',
  scoreName: 'delta1 (median-aligned) x 100',
  headConfig(kind, geometry) {
    const base = poolerConfig(kind, geometry);
    const tokens = base.tokens as number;
    if (kind === 'linear') return { ...base, outputs: 1, pool: 'none', positional: true };
    return { ...base, outputs: 1, queries: tokens, positional: true, mlpRatio: 1 };
  },
  targetsFrom(samples, geometry) {
    const gt = tokenDepth(samples, geometry);
    const B = samples.length;
    const N = gt.depth.length / B;
    const targets = new Float32Array(gt.depth.length);
    const weights = new Float32Array(gt.depth.length);
    for (let i = 0; i < targets.length; i++) {
      if (gt.valid[i]) {
        targets[i] = Math.log(gt.depth[i]);
        weights[i] = 1;
      }
    }
    return { targets: { data: targets, shape: [B, N, 1] }, weights: { data: weights, shape: [B, N, 1] } };
  },
  decode(outputs: ArrayWithShape, _samples, geometry) {
    const { grid } = geometry;
    const B = outputs.shape[0];
    const depth = Float32Array.from(outputs.data, (v) => Math.exp(Math.min(20, Math.max(-20, v))));
    return { depth, valid: new Uint8Array(depth.length).fill(1), shape: [B, grid.t, grid.h, grid.w] };
  },
  evaluate(pred, samples, geometry) {
    const gt = tokenDepth(samples, geometry);
    const opts = { valid: gt.valid };
    return {
      aligned: depthMetrics(pred.depth, gt.depth, gt.shape, { ...opts, alignment: 'median' }),
      metric: depthMetrics(pred.depth, gt.depth, gt.shape, { ...opts, alignment: 'none' }),
    };
  },
  metrics(m) {
    return [
      { name: 'absRel (median-aligned)', value: m.aligned.absRel, higherIsBetter: false },
      { name: 'delta1 (median-aligned)', value: m.aligned.delta1, higherIsBetter: true },
      { name: 'absRel (metric)', value: m.metric.absRel, higherIsBetter: false },
      { name: 'delta1 (metric)', value: m.metric.delta1, higherIsBetter: true },
    ];
  },
  score: (m) => 100 * m.aligned.delta1,
};
