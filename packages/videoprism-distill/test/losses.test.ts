import { ConfigError, Rng, ShapeError } from '@vfmkit/core';
import { initBackend, tf } from '@vfmkit/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { clampLogTemperature, cosineDistanceLoss, videoTextContrastiveLoss } from '../src/tfjs/index';
import { clip64, cosineDistance64, type Mat, numericGrad } from './reference';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: null });
});

/** A random matrix whose entries are float32-exact, so both sides see the same numbers. */
function randn(rng: Rng, rows: number, cols: number, scale = 1): Mat {
  return Array.from({ length: rows }, () =>
    Array.from({ length: cols }, () => Math.fround(rng.normal() * scale)),
  );
}
const T = (m: Mat) => tf.tensor2d(m);
const value = (t: tf.Tensor) => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-6, Math.abs(b));

describe('videoTextContrastiveLoss', () => {
  const rng = new Rng(7);

  it('matches the float64 symmetric cross-entropy at several temperatures', () => {
    for (const [b, d, tau] of [
      [4, 8, 0.07],
      [6, 5, 0.3],
      [1, 3, 0.5],
      [9, 16, 0.02],
    ] as const) {
      const v = randn(rng, b, d, 2);
      const t = randn(rng, b, d, 0.5);
      const got = value(videoTextContrastiveLoss(T(v), T(t), tf.scalar(Math.log(tau))));
      expect(rel(got, clip64(v, t, tau))).toBeLessThan(1e-5);
    }
  });

  it('is the mean of the two directions (asymmetric inputs give different row and column terms)', () => {
    // Hand-worked: B = 2, D = 2, tau = 1. v = [e1, e1], t = [e1, e2]; logits = [[1, 0], [1, 0]].
    // Rows: row 0 -> -log(e/(e+1)), row 1 -> -log(1/(e+1)); columns: col 0 = [1, 1] -> log 2, col 1 = [0, 0] -> log 2.
    const e = Math.E;
    const want = ((-Math.log(e / (e + 1)) - Math.log(1 / (e + 1))) / 2 + Math.log(2)) / 2;
    const got = value(
      videoTextContrastiveLoss(
        T([
          [1, 0],
          [1, 0],
        ]),
        T([
          [1, 0],
          [0, 1],
        ]),
        tf.scalar(0),
      ),
    );
    expect(got).toBeCloseTo(want, 6);
  });

  it('gradients: embeddings and log temperature match central differences of the float64 loss', () => {
    const v = randn(rng, 5, 4);
    const t = randn(rng, 5, 4);
    const logT = Math.log(0.2);
    const [gv, gl] = tf.grads((a: tf.Tensor, l: tf.Tensor) => videoTextContrastiveLoss(a, T(t), l))([
      T(v),
      tf.scalar(logT),
    ]);
    const wantV = numericGrad((x) => clip64(x, t, 0.2), v);
    const got = gv.arraySync() as Mat;
    for (let i = 0; i < 5; i++) for (let j = 0; j < 4; j++) expect(got[i][j]).toBeCloseTo(wantV[i][j], 4);
    const h = 1e-5;
    const wantL = (clip64(v, t, Math.exp(logT + h)) - clip64(v, t, Math.exp(logT - h))) / (2 * h);
    expect(Math.abs(wantL)).toBeGreaterThan(0.05);
    expect(rel(gl.dataSync()[0], wantL)).toBeLessThan(1e-3);
    gv.dispose();
    gl.dispose();
  });

  it('clamps the temperature to [0.01, 1]: the bound is used and the log-temperature gradient is 0', () => {
    const v = randn(rng, 4, 6);
    const t = randn(rng, 4, 6);
    for (const [logT, tau] of [
      [Math.log(0.001), 0.01],
      [Math.log(5), 1],
    ] as const) {
      const lt = tf.variable(tf.scalar(logT));
      const { value: loss, grads } = tf.variableGrads(() => videoTextContrastiveLoss(T(v), T(t), lt), [lt]);
      expect(rel(loss.dataSync()[0], clip64(v, t, tau))).toBeLessThan(1e-5);
      // Without the clamp the loss would be far from the bound's.
      expect(Math.abs(clip64(v, t, Math.exp(logT)) - clip64(v, t, tau))).toBeGreaterThan(0.01);
      expect(Math.abs(Object.values(grads)[0].dataSync()[0])).toBe(0);
      lt.dispose();
    }
    // Custom bounds.
    const l = clampLogTemperature(tf.scalar(Math.log(0.5)), { min: 0.05, max: 0.2 });
    expect(l.dataSync()[0]).toBeCloseTo(Math.log(0.2), 6);
  });

  it('rejects mismatched shapes and bad bounds', () => {
    expect(() => videoTextContrastiveLoss(T(randn(rng, 3, 4)), T(randn(rng, 2, 4)), tf.scalar(0))).toThrow(
      ShapeError,
    );
    expect(() => videoTextContrastiveLoss(tf.zeros([3]), tf.zeros([3]), tf.scalar(0))).toThrow(ShapeError);
    expect(() => clampLogTemperature(tf.scalar(0), { min: 0.5, max: 0.1 })).toThrow(ConfigError);
    expect(() => clampLogTemperature(tf.zeros([2]))).toThrow(ConfigError);
  });
});

describe('cosineDistanceLoss', () => {
  const rng = new Rng(11);

  it('is mean(1 - cos) over every vector, for any leading shape', () => {
    const p = randn(rng, 6, 5);
    const q = randn(rng, 6, 5, 3);
    expect(rel(value(cosineDistanceLoss(T(p), T(q))), cosineDistance64(p, q))).toBeLessThan(1e-5);
    const got = value(cosineDistanceLoss(tf.tensor3d(p.flat(), [2, 3, 5]), tf.tensor3d(q.flat(), [2, 3, 5])));
    expect(rel(got, cosineDistance64(p, q))).toBeLessThan(1e-5);
    // Identical directions give 0, opposite ones 2.
    expect(value(cosineDistanceLoss(T(p), tf.mul(T(p), 4)))).toBeCloseTo(0, 5);
    expect(value(cosineDistanceLoss(T(p), tf.mul(T(p), -1)))).toBeCloseTo(2, 5);
  });

  it('gradient matches central differences', () => {
    const p = randn(rng, 3, 4);
    const q = randn(rng, 3, 4);
    const g = tf.grad((x: tf.Tensor) => cosineDistanceLoss(x, T(q)))(T(p));
    const want = numericGrad((x) => cosineDistance64(x, q), p);
    const got = g.arraySync() as Mat;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) expect(got[i][j]).toBeCloseTo(want[i][j], 4);
  });

  it('rejects different shapes', () => {
    expect(() => cosineDistanceLoss(tf.zeros([2, 3]), tf.zeros([3, 2]))).toThrow(ShapeError);
  });
});
