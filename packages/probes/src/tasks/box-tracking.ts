import { type BoxTrackingMetrics, boxTrackingMetrics } from '@vfmkit/metrics';
import type { Synth4dSample } from '@vfmkit/synth4d';
import type { ArrayWithShape } from '../cache/feature-rows';
import { ProbeError } from '../errors';
import { fourierFeatures, fourierWidth } from '../internal/fourier';
import { checkReadout, POOLER_READOUTS, poolerConfig, type Synth4dTask } from './task';

/** Predicted boxes per object slot: `[B, S, T, 4]` (x0, y0, x1, y1) px; frame 0 holds the given box. */
export interface BoxPredictions {
  readonly boxes: Float32Array;
  readonly shape: readonly [number, number, number];
}

const BANDS = 4;

function slotsOf(samples: readonly Synth4dSample[]): number {
  const S = samples[0]?.config.maxObjects ?? 0;
  if (S === 0 || samples.some((s) => s.config.maxObjects !== S))
    throw new ProbeError('box tracking needs samples of one preset (the same maxObjects)', {
      what: 'samples',
    });
  return S;
}

/** Is object slot k of sample s tracked: it exists and is visible in frame 0 (its box is given). */
function tracked(s: Synth4dSample, k: number): boolean {
  return k < s.boxes.count && s.boxes.visible[k] === 1;
}

/** Box of object k in frame t of sample s, as a 4-array. */
function boxAt(s: Synth4dSample, t: number, k: number): Float32Array {
  const o = (t * s.boxes.count + k) * 4;
  return s.boxes.boxes.subarray(o, o + 4);
}

/**
 * `synth4d/boxes`: box tracking with the first frame's box given (4DS's object tracking readout). One
 * pooler query per object slot (the preset's `maxObjects`), conditioned on the Fourier features of the
 * object's normalised first-frame box; the head reads out the box in every frame (normalised to
 * [0, 1]), trained with L1 where the object is visible. Slots without an object visible in frame 0
 * are neither trained nor scored. Scored with mean IoU over frames 1..T-1 where the object is visible.
 */
export const boxTrackingTask: Synth4dTask<BoxPredictions, BoxTrackingMetrics> = {
  name: 'synth4d/boxes',
  task: 'boxes',
  loss: 'l1',
  readouts: POOLER_READOUTS,
  headline: 'meanIou',
  scoreName: 'mean IoU x 100',
  headConfig(kind, geometry, samples) {
    checkReadout(boxTrackingTask, kind);
    return {
      ...poolerConfig(kind, geometry),
      queries: slotsOf(samples),
      outputs: geometry.frames * 4,
      positional: true,
      conditionWidth: fourierWidth(4, BANDS),
    };
  },
  condition(samples, geometry) {
    const S = slotsOf(samples);
    const F = fourierWidth(4, BANDS);
    const out = new Float32Array(samples.length * S * F);
    samples.forEach((s, b) => {
      for (let k = 0; k < S; k++) {
        if (!tracked(s, k)) continue;
        const [x0, y0, x1, y1] = boxAt(s, 0, k);
        const coords = [x0 / geometry.width, y0 / geometry.height, x1 / geometry.width, y1 / geometry.height];
        out.set(fourierFeatures(coords, 4, BANDS), (b * S + k) * F);
      }
    });
    return { data: out, shape: [samples.length, S, F] };
  },
  targetsFrom(samples, geometry) {
    const S = slotsOf(samples);
    const T = geometry.frames;
    const targets = new Float32Array(samples.length * S * T * 4);
    const weights = new Float32Array(targets.length);
    const scale = [geometry.width, geometry.height, geometry.width, geometry.height];
    samples.forEach((s, b) => {
      for (let k = 0; k < S; k++) {
        if (!tracked(s, k)) continue;
        for (let t = 0; t < T; t++) {
          if (!s.boxes.visible[t * s.boxes.count + k]) continue;
          const box = boxAt(s, t, k);
          const o = ((b * S + k) * T + t) * 4;
          for (let c = 0; c < 4; c++) {
            targets[o + c] = box[c] / scale[c];
            weights[o + c] = 1;
          }
        }
      }
    });
    const shape = [samples.length, S, T * 4];
    return { targets: { data: targets, shape }, weights: { data: weights, shape } };
  },
  decode(outputs: ArrayWithShape, samples, geometry) {
    const S = slotsOf(samples);
    const T = geometry.frames;
    const { width: W, height: H } = geometry;
    const boxes = new Float32Array(samples.length * S * T * 4);
    samples.forEach((s, b) => {
      for (let k = 0; k < S; k++)
        for (let t = 0; t < T; t++) {
          const o = ((b * S + k) * T + t) * 4;
          if (t === 0 && tracked(s, k)) {
            boxes.set(boxAt(s, 0, k), o);
            continue;
          }
          const clampX = (v: number) => Math.min(W, Math.max(0, v * W));
          const clampY = (v: number) => Math.min(H, Math.max(0, v * H));
          const [ax, ay, bx, by] = outputs.data.subarray(o, o + 4);
          boxes.set(
            [
              clampX(Math.min(ax, bx)),
              clampY(Math.min(ay, by)),
              clampX(Math.max(ax, bx)),
              clampY(Math.max(ay, by)),
            ],
            o,
          );
        }
    });
    return { boxes, shape: [samples.length, S, T] };
  },
  evaluate(pred, samples, geometry) {
    const S = slotsOf(samples);
    const T = geometry.frames;
    const seqPred: number[] = [];
    const seqTrue: number[] = [];
    const present: number[] = [];
    samples.forEach((s, b) => {
      for (let k = 0; k < S; k++) {
        if (!tracked(s, k)) continue;
        for (let t = 0; t < T; t++) {
          const o = ((b * S + k) * T + t) * 4;
          seqPred.push(...pred.boxes.subarray(o, o + 4));
          seqTrue.push(...boxAt(s, t, k));
          present.push(s.boxes.visible[t * s.boxes.count + k]);
        }
      }
    });
    const sequences = present.length / T;
    return boxTrackingMetrics(seqPred, seqTrue, [sequences, T, 4], { present });
  },
  metrics(m) {
    return [
      { name: 'meanIou', value: m.meanIou, higherIsBetter: true },
      { name: 'successRate', value: m.successRate, higherIsBetter: true },
    ];
  },
  score: (m) => 100 * m.meanIou,
};
