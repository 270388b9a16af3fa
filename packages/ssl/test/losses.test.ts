import { ConfigError, Rng, ShapeError } from '@vfmkit/core';
import { createParams, initBackend, tf } from '@vfmkit/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  byolLoss,
  dinoLoss,
  dinoTeacherMean,
  embeddingStd,
  mocoV3Loss,
  ntXentLoss,
  updateDinoCenter,
  updateMomentumTarget,
  vicregLoss,
} from '../src/tfjs/index';
import {
  byol64,
  dino64,
  embeddingStd64,
  type Mat,
  mocoV364,
  ntXent64,
  numericGrad,
  vicreg64,
} from './reference';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: null });
});

/** A random matrix whose entries are float32-exact, so both sides see the same numbers. */
function randn(rng: Rng, rows: number, cols: number, scale = 1, shift = 0): Mat {
  return Array.from({ length: rows }, () =>
    Array.from({ length: cols }, () => Math.fround(rng.normal() * scale + shift)),
  );
}
const T = (m: Mat) => tf.tensor2d(m);
const value = (t: tf.Tensor) => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-6, Math.abs(b));

describe('losses against float64 re-computations', () => {
  const rng = new Rng(2024);

  it('NT-Xent (SimCLR, 2B-way, self excluded, normalised inside)', () => {
    for (const [b, d, tau] of [
      [4, 8, 0.1],
      [7, 16, 0.5],
      [1, 3, 0.2],
    ] as const) {
      const z1 = randn(rng, b, d, 2);
      const z2 = randn(rng, b, d, 0.5);
      expect(rel(value(ntXentLoss(T(z1), T(z2), tau)), ntXent64(z1, z2, tau))).toBeLessThan(1e-5);
    }
    // Scale invariance: inputs are normalised inside.
    const z1 = randn(rng, 5, 6);
    const z2 = randn(rng, 5, 6);
    const a = value(ntXentLoss(T(z1), T(z2), 0.1));
    const b = value(ntXentLoss(tf.mul(T(z1), 7), T(z2), 0.1));
    expect(rel(a, b)).toBeLessThan(1e-5);
  });

  it('NT-Xent gradient matches central differences of the float64 loss', () => {
    const z1 = randn(rng, 3, 4);
    const z2 = randn(rng, 3, 4);
    const g = tf.grad((x: tf.Tensor) => ntXentLoss(x, T(z2), 0.3))(T(z1));
    const want = numericGrad((x) => ntXent64(x, z2, 0.3), z1);
    const got = g.arraySync() as Mat;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) expect(got[i][j]).toBeCloseTo(want[i][j], 4);
    g.dispose();
  });

  it('MoCo v3: ctr(q1, k2) + ctr(q2, k1), ctr scaled by 2 tau; keys get no gradient', () => {
    const [q1, q2, k1, k2] = [0, 1, 2, 3].map(() => randn(rng, 6, 8));
    expect(
      rel(value(mocoV3Loss(T(q1), T(q2), T(k1), T(k2), 0.2)), mocoV364(q1, q2, k1, k2, 0.2)),
    ).toBeLessThan(1e-5);
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => mocoV3Loss(a, T(q2), b, T(k2), 0.2))([
      T(q1),
      T(k1),
    ]);
    expect(value(tf.sum(tf.abs(grads[0])))).toBeGreaterThan(1e-3);
    expect(value(tf.sum(tf.abs(grads[1])))).toBe(0);
  });

  it('BYOL: symmetric 2 - 2 cos, targets constant', () => {
    const [p1, p2, z1, z2] = [0, 1, 2, 3].map(() => randn(rng, 5, 7));
    expect(rel(value(byolLoss(T(p1), T(p2), T(z1), T(z2))), byol64(p1, p2, z1, z2))).toBeLessThan(1e-5);
    // Identical directions give 0, opposite give 8.
    expect(value(byolLoss(T(p1), T(p2), tf.mul(T(p2), 3), T(p1)))).toBeCloseTo(0, 5);
    expect(value(byolLoss(T(p1), T(p2), tf.neg(T(p2)), tf.neg(T(p1))))).toBeCloseTo(8, 5);
    const grads = tf.grads((p: tf.Tensor, z: tf.Tensor) => byolLoss(p, T(p2), T(z1), z))([T(p1), T(z2)]);
    expect(value(tf.sum(tf.abs(grads[0])))).toBeGreaterThan(1e-3);
    expect(value(tf.sum(tf.abs(grads[1])))).toBe(0);
  });

  it('DINO: cross-entropy over pairs of different views, teacher centred and sharpened and constant', () => {
    const k = 10;
    const students = [0, 1, 2, 3].map(() => randn(rng, 4, k, 2));
    const teachers = [0, 1].map(() => randn(rng, 4, k, 2));
    const center = randn(rng, 1, k, 0.5)[0];
    const got = dinoLoss(students.map(T), teachers.map(T), tf.tensor1d(center), {
      studentTemp: 0.1,
      teacherTemp: 0.04,
    });
    expect(rel(value(got), dino64(students, teachers, center, 0.1, 0.04))).toBeLessThan(1e-5);
    // Student gradient vs central differences; teacher and center get none.
    const s0 = randn(rng, 2, 5);
    const s1 = randn(rng, 2, 5);
    const t0 = randn(rng, 2, 5);
    const c = [0.1, -0.2, 0, 0.3, 0.05];
    // Student view 0 meets only teacher view 0, which is skipped: view 1 carries the loss here.
    const f = (x: tf.Tensor, t: tf.Tensor, cc: tf.Tensor) =>
      dinoLoss([T(s0), x], [t], cc, { studentTemp: 0.5, teacherTemp: 0.2 });
    const [gs1, gt, gc] = tf.grads(f)([T(s1), T(t0), tf.tensor1d(c)]);
    const want1 = numericGrad((x) => dino64([s0, x], [t0], c, 0.5, 0.2), s1);
    const got1 = gs1.arraySync() as Mat;
    expect(Math.max(...want1.flat().map(Math.abs))).toBeGreaterThan(0.01);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 5; j++) expect(got1[i][j]).toBeCloseTo(want1[i][j], 4);
    expect(value(tf.sum(tf.abs(gt)))).toBe(0);
    expect(value(tf.sum(tf.abs(gc)))).toBe(0);
  });

  it('VICReg: the loss and its three terms; gradient vs central differences', () => {
    const weights = { invariance: 25, variance: 25, covariance: 1 };
    const z1 = randn(rng, 8, 6, 0.7);
    const z2 = randn(rng, 8, 6, 0.7, 0.1);
    const got = vicregLoss(T(z1), T(z2), weights);
    const want = vicreg64(z1, z2, weights);
    for (const key of ['loss', 'invariance', 'variance', 'covariance'] as const) {
      expect(want[key]).toBeGreaterThan(0);
      expect(rel(value(got[key]), want[key])).toBeLessThan(2e-5);
    }
    const a = randn(rng, 4, 3, 0.5);
    const b = randn(rng, 4, 3, 0.5);
    const g = tf.grad((x: tf.Tensor) => vicregLoss(x, T(b), weights).loss)(T(a));
    const wantG = numericGrad((x) => vicreg64(x, b, weights).loss, a);
    const gotG = g.arraySync() as Mat;
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 3; j++)
        expect(Math.abs(gotG[i][j] - wantG[i][j])).toBeLessThan(2e-3 * (1 + Math.abs(wantG[i][j])));
  });

  it('embeddingStd: float64 match, about 1/sqrt(D) for spread embeddings, 0 when collapsed', () => {
    const z = randn(rng, 64, 16);
    const got = value(embeddingStd(T(z)));
    expect(rel(got, embeddingStd64(z))).toBeLessThan(1e-5);
    expect(got).toBeGreaterThan(0.7 / Math.sqrt(16));
    expect(got).toBeLessThan(1.3 / Math.sqrt(16));
    // The collapse detector: every clip mapped to the same point (at any scale).
    const row = randn(rng, 1, 16)[0];
    const constant = Array.from({ length: 32 }, (_, i) => row.map((x) => x * (1 + i)));
    expect(value(embeddingStd(T(constant)))).toBeLessThan(1e-6);
  });

  it('bad input: typed errors naming what was wrong', () => {
    const a = T(randn(rng, 3, 4));
    expect(() => ntXentLoss(a, T(randn(rng, 3, 5)), 0.1)).toThrow(ShapeError);
    expect(() => ntXentLoss(a, a, 0)).toThrow(ConfigError);
    expect(() => vicregLoss(T([[1, 2]]), T([[1, 2]]), { invariance: 1, variance: 1, covariance: 1 })).toThrow(
      /at least 2/,
    );
    expect(() => dinoLoss([a], [a], tf.zeros([4]), { studentTemp: 0.1, teacherTemp: 0.04 })).toThrow(
      ShapeError,
    );
    expect(() => dinoLoss([a, a], [a], tf.zeros([5]), { studentTemp: 0.1, teacherTemp: 0.04 })).toThrow(
      /center/,
    );
    expect(() => embeddingStd(tf.zeros([4]))).toThrow(ShapeError);
  });
});

describe('state updates against hand-worked steps', () => {
  it("DINO's center: c <- m c + (1 - m) mean(teacher outputs)", () => {
    const center = tf.variable(tf.zeros([3]), false);
    const mean1 = dinoTeacherMean([tf.tensor2d([[1, 2, 3]]), tf.tensor2d([[3, 2, 1]])]);
    expect(Array.from(mean1.dataSync())).toEqual([2, 2, 2]);
    updateDinoCenter(center, mean1, 0.9);
    // 0.9 * 0 + 0.1 * 2 = 0.2
    expect(Array.from(center.dataSync()).map((x) => +x.toFixed(6))).toEqual([0.2, 0.2, 0.2]);
    updateDinoCenter(center, tf.tensor1d([0, 1, -1]), 0.9);
    // 0.9 * 0.2 + 0.1 * [0, 1, -1] = [0.18, 0.28, 0.08]
    expect(Array.from(center.dataSync()).map((x) => +x.toFixed(6))).toEqual([0.18, 0.28, 0.08]);
    expect(() => updateDinoCenter(center, tf.zeros([4]), 0.9)).toThrow(ShapeError);
    center.dispose();
  });

  it('EMA target: target <- m target + (1 - m) online, for every target.* variable', () => {
    const params = createParams();
    params.set('w', tf.variable(tf.tensor1d([3, -2])));
    params.set('target.w', tf.variable(tf.tensor1d([1, 2]), false));
    params.set('b', tf.variable(tf.tensor1d([5])));
    expect(updateMomentumTarget(params, 0.9)).toBe(1);
    // 0.9 * [1, 2] + 0.1 * [3, -2] = [1.2, 1.6]
    expect(Array.from(params.get('target.w')!.dataSync()).map((x) => +x.toFixed(6))).toEqual([1.2, 1.6]);
    params.get('w')!.assign(tf.tensor1d([0, 0]));
    updateMomentumTarget(params, 0.5);
    // 0.5 * [1.2, 1.6] + 0.5 * 0 = [0.6, 0.8]
    expect(Array.from(params.get('target.w')!.dataSync()).map((x) => +x.toFixed(6))).toEqual([0.6, 0.8]);
    expect(Array.from(params.get('w')!.dataSync())).toEqual([0, 0]);
    params.set('target.missing', tf.variable(tf.zeros([1]), false));
    expect(() => updateMomentumTarget(params, 0.5)).toThrow(ConfigError);
    expect(() => updateMomentumTarget(params, 1.5)).toThrow(/momentum/);
  });
});
