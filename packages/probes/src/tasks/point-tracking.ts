import { scaleToTapVid, type TapVidMetrics, tapVidMetrics } from '@vfmkit/metrics';
import type { Synth4dSample } from '@vfmkit/synth4d';
import type { ArrayWithShape } from '../cache/feature-rows';
import { ProbeError } from '../errors';
import { fourierFeatures, fourierWidth } from '../internal/fourier';
import { checkReadout, POOLER_READOUTS, poolerConfig, type Synth4dTask } from './task';

/** Predicted tracks of every query of every clip. */
export interface TrackPredictions {
  /** `[B, Q, T, 2]` (x, y) in pixels of the clip. */
  readonly tracks: Float32Array;
  /** `[B, Q, T]` 1 where the point is predicted occluded. */
  readonly occluded: Uint8Array;
  readonly shape: readonly [number, number, number];
}

const BANDS = 4;

function queriesOf(samples: readonly Synth4dSample[]): number {
  const Q = samples[0]?.tracks.count ?? 0;
  if (Q === 0 || samples.some((s) => s.tracks.count !== Q))
    throw new ProbeError('point tracking needs the same, non-zero number of query points in every clip', {
      what: 'samples',
      queries: samples.map((s) => s.tracks.count),
    });
  return Q;
}

/**
 * `synth4d/tracking`: a query-point conditioned readout (4DS / TAP-Vid style). Each query `(t, y, x)`
 * becomes Fourier features added to one learned query of the pooler; the head reads out, for every
 * frame, the point's position (normalised to [0, 1]) and an occlusion value (occluded when > 0.5),
 * trained with L1 (positions only where the point is visible). Scored with TAP-Vid's AJ, <delta_avg
 * and OA in a 256 x 256 frame, with the clips' own query mode (synth4d's preset: strided).
 */
export const pointTrackingTask: Synth4dTask<TrackPredictions, TapVidMetrics> = {
  name: 'synth4d/tracking',
  task: 'tracking',
  loss: 'l1',
  readouts: POOLER_READOUTS,
  headline: 'averageJaccard',
  scoreName: 'AJ x 100',
  headConfig(kind, geometry, samples) {
    checkReadout(pointTrackingTask, kind);
    return {
      ...poolerConfig(kind, geometry),
      queries: queriesOf(samples),
      outputs: geometry.frames * 3,
      positional: true,
      conditionWidth: fourierWidth(3, BANDS),
    };
  },
  condition(samples, geometry) {
    const Q = queriesOf(samples);
    const coords = new Float32Array(samples.length * Q * 3);
    samples.forEach((s, b) => {
      for (let q = 0; q < Q; q++) {
        const [t, y, x] = s.tracks.queries.subarray(q * 3, q * 3 + 3);
        coords.set([t / geometry.frames, y / geometry.height, x / geometry.width], (b * Q + q) * 3);
      }
    });
    return { data: fourierFeatures(coords, 3, BANDS), shape: [samples.length, Q, fourierWidth(3, BANDS)] };
  },
  targetsFrom(samples, geometry) {
    const Q = queriesOf(samples);
    const { frames: T, width: W, height: H } = geometry;
    const targets = new Float32Array(samples.length * Q * T * 3);
    const weights = new Float32Array(targets.length);
    samples.forEach((s, b) => {
      for (let q = 0; q < Q; q++)
        for (let t = 0; t < T; t++) {
          const o = ((b * Q + q) * T + t) * 3;
          const occ = s.tracks.occluded[q * T + t];
          targets[o] = s.tracks.points[(q * T + t) * 2] / W;
          targets[o + 1] = s.tracks.points[(q * T + t) * 2 + 1] / H;
          targets[o + 2] = occ;
          weights[o] = occ ? 0 : 1;
          weights[o + 1] = occ ? 0 : 1;
          weights[o + 2] = 1;
        }
    });
    const shape = [samples.length, Q, T * 3];
    return { targets: { data: targets, shape }, weights: { data: weights, shape } };
  },
  decode(outputs: ArrayWithShape, samples, geometry) {
    const Q = queriesOf(samples);
    const { frames: T, width: W, height: H } = geometry;
    const B = samples.length;
    const tracks = new Float32Array(B * Q * T * 2);
    const occluded = new Uint8Array(B * Q * T);
    for (let i = 0; i < B * Q * T; i++) {
      tracks[2 * i] = outputs.data[3 * i] * W;
      tracks[2 * i + 1] = outputs.data[3 * i + 1] * H;
      occluded[i] = outputs.data[3 * i + 2] > 0.5 ? 1 : 0;
    }
    return { tracks, occluded, shape: [B, Q, T] };
  },
  evaluate(pred, samples, geometry) {
    const Q = queriesOf(samples);
    const { frames: T, width: W, height: H } = geometry;
    const B = samples.length;
    const gtTracks = new Float32Array(B * Q * T * 2);
    const gtOccluded = new Uint8Array(B * Q * T);
    const queryPoints = new Float32Array(B * Q * 3);
    samples.forEach((s, b) => {
      gtTracks.set(s.tracks.points, b * Q * T * 2);
      gtOccluded.set(s.tracks.occluded, b * Q * T);
      queryPoints.set(s.tracks.queries, b * Q * 3);
    });
    return tapVidMetrics({
      queryPoints,
      gtOccluded,
      predOccluded: pred.occluded,
      gtTracks: scaleToTapVid(gtTracks, W, H),
      predTracks: scaleToTapVid(pred.tracks, W, H),
      shape: [B, Q, T],
      queryMode: samples[0]?.config.queryMode ?? 'strided',
    });
  },
  metrics(m) {
    return [
      { name: 'averageJaccard', value: m.averageJaccard, higherIsBetter: true },
      { name: 'averagePtsWithinThresh', value: m.averagePtsWithinThresh, higherIsBetter: true },
      { name: 'occlusionAccuracy', value: m.occlusionAccuracy, higherIsBetter: true },
    ];
  },
  score: (m) => 100 * m.averageJaccard,
};
