import { Rng } from '@vfmkit/core';
import { initBackend, tf } from '@vfmkit/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { numericGrad } from '../../nn/test/reference';
import { fsqCodesToIndices, fsqQuantize, lfqCodebook } from '../src/index';
import {
  commitmentLoss,
  depthToSpace,
  fsqIdsTf,
  fsqQuantizeTf,
  gaussianNoise,
  lfqEntropyLoss,
  lfqIdsTf,
  lfqQuantizeTf,
  perturbedTopk,
  spaceToDepth,
  topkMask,
} from '../src/tfjs/index';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: null });
});

function randn(n: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.normal() * scale);
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('FSQ and LFQ on tfjs', () => {
  const levels = [8, 5, 4, 3];

  it('FSQ codes and ids equal the root arithmetic (checked against numpy there)', () => {
    const z = randn(4 * 500, 1, 2);
    const codes = tf.tidy(() => fsqQuantizeTf(tf.tensor2d(z, [500, 4]), levels));
    const ref = fsqQuantize(z, levels);
    // float32 tanh may put a value within ~1e-6 of a rounding boundary on the other side
    let differing = 0;
    const c = codes.dataSync();
    for (let i = 0; i < c.length; i++) if (Math.abs(c[i] - ref[i]) > 1e-6) differing++;
    expect(differing).toBe(0);
    const ids = tf.tidy(() => fsqIdsTf(codes, levels));
    expect([...ids.dataSync()]).toEqual([...fsqCodesToIndices(c, levels)]);
    tf.dispose([codes, ids]);
  });

  it('FSQ straight-through gradient = d bound(z) / dz / floor(L/2), computed in float64', () => {
    const z = randn(4 * 20, 2, 1.5);
    const r = randn(4 * 20, 3);
    const g = tf.tidy(() =>
      tf.grad((x: tf.Tensor) => tf.sum(tf.mul(fsqQuantizeTf(x, levels), tf.tensor2d(r, [20, 4]))))(
        tf.tensor2d(z, [20, 4]),
      ),
    );
    const expected = Array.from(z, (v, i) => {
      const L = levels[i % 4];
      const halfL = ((L - 1) * (1 - 1e-3)) / 2;
      const offset = L % 2 === 0 ? 0.5 : 0;
      const t = Math.tanh(v + Math.tan(offset / halfL));
      return (r[i] * halfL * (1 - t * t)) / Math.floor(L / 2);
    });
    expect(maxAbs(g.dataSync(), expected)).toBeLessThan(1e-5);
    g.dispose();
  });

  it('LFQ: signs (0 -> -1), ids sum bit * 2^i, identity straight-through gradient', () => {
    const z = tf.tensor2d([0.3, -0.1, 0, 2, 1, 1], [2, 3]);
    const codes = lfqQuantizeTf(z);
    expect([...codes.dataSync()]).toEqual([1, -1, -1, 1, 1, 1]);
    expect([...lfqIdsTf(codes, 3).dataSync()]).toEqual([1, 7]);
    const r = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(lfqQuantizeTf(x), r)))(z);
    expect([...g.dataSync()]).toEqual([1, 2, 3, 4, 5, 6]);
    tf.dispose([z, codes, r, g]);
  });

  it('LFQ entropy loss and its gradient agree with a float64 re-computation', () => {
    const bits = 3;
    const n = 12;
    const temperature = 0.5;
    const gamma = 0.7;
    const z = Float64Array.from(randn(n * bits, 4, 0.8));
    const book = lfqCodebook(bits);
    const size = 2 ** bits;
    /** E_n[H(p_n)] - gamma H(E_n[p_n]), p_n(c) = softmax(-||z_n - c||^2 / temperature), in float64. */
    const ref = (x: Float64Array) => {
      const avg = new Float64Array(size);
      let per = 0;
      for (let i = 0; i < n; i++) {
        const logits = Array.from({ length: size }, (_, c) => {
          let d = 0;
          for (let k = 0; k < bits; k++) d += (x[i * bits + k] - book[c * bits + k]) ** 2;
          return -d / temperature;
        });
        const m = Math.max(...logits);
        const e = logits.map((l) => Math.exp(l - m));
        const s = e.reduce((a, b) => a + b, 0);
        for (let c = 0; c < size; c++) {
          const p = e[c] / s;
          per -= (p * Math.log(p)) / n;
          avg[c] += p / n;
        }
      }
      const h = -avg.reduce((acc, p) => acc + p * Math.log(p), 0);
      return per - gamma * h;
    };
    const x = tf.tensor2d(Float32Array.from(z), [n, bits]);
    const { value, grad } = tf.tidy(() => {
      const value = lfqEntropyLoss(x, bits, temperature, gamma).loss;
      const grad = tf.grad((t: tf.Tensor) => lfqEntropyLoss(t, bits, temperature, gamma).loss)(x);
      return { value, grad };
    });
    expect(value.dataSync()[0]).toBeCloseTo(ref(z), 4);
    const num = numericGrad(ref, Float64Array.from(z), 1e-6);
    expect(maxAbs(grad.dataSync(), num) / Math.max(...num.map(Math.abs))).toBeLessThan(1e-3);
    tf.dispose([x, value, grad]);
  });

  it('commitment loss mean((z - sg(q))^2): gradient 2(z - q)/n to z, none to q', () => {
    const z = tf.tensor1d([0.5, -2, 0.1, 0.9]);
    const q = tf.tensor1d([1, -1, 1, 1]);
    expect(commitmentLoss(z, q).dataSync()[0]).toBeCloseTo((0.25 + 1 + 0.81 + 0.01) / 4, 6);
    const [gz, gq] = tf.grads((a: tf.Tensor, b: tf.Tensor) => commitmentLoss(a, b))([z, q]);
    expect(maxAbs(gz.dataSync(), [-0.25, -0.5, -0.45, -0.05])).toBeLessThan(1e-6);
    expect([...gq.dataSync()]).toEqual([0, 0, 0, 0]);
    tf.dispose([z, q, gz, gq]);
  });
});

/** Standard normal cdf (Abramowitz-Stegun 7.1.26 erf, |error| < 1.5e-7). */
function Phi(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp((-x * x) / 2);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/**
 * Exact smoothed indicator `E[topk(s + sigma Z)]` for k = 1 (P(i is the max)) and k = N - 1
 * (1 - P(i is the min)), by 1-D quadrature in float64.
 */
function smoothedTopk(s: Float64Array, k: number, sigma: number): Float64Array {
  const n = s.length;
  const out = new Float64Array(n);
  const steps = 4000;
  const lo = -9;
  const du = 18 / steps;
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let q = 0; q <= steps; q++) {
      const u = lo + q * du;
      let prod = Math.exp((-u * u) / 2) / Math.sqrt(2 * Math.PI);
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const a = (s[i] - s[j]) / sigma + u;
        prod *= k === 1 ? Phi(a) : 1 - Phi(a);
      }
      acc += (q === 0 || q === steps ? 0.5 : 1) * prod * du;
    }
    out[i] = k === 1 ? acc : 1 - acc;
  }
  return out;
}

describe('perturbed-optimizer top-k', () => {
  it('hard top-k mask keeps exactly k per row', () => {
    const m = topkMask(tf.tensor2d([3, 1, 2, 0, 5, 4, 6, 7], [2, 4]), 2);
    expect([...m.dataSync()]).toEqual([1, 0, 1, 0, 0, 0, 1, 1]);
    m.dispose();
  });

  it('a budget of every token is the constant all-ones mask, with a zero gradient', () => {
    const s = tf.tensor2d([0.1, 0.5, -0.2], [1, 3]);
    const noise = gaussianNoise([1, 16, 3], 1);
    expect([...perturbedTopk(s, noise, 3, 0.5).dataSync()]).toEqual([1, 1, 1]);
    const g = tf.grad((x: tf.Tensor) =>
      tf.sum(tf.mul(perturbedTopk(x, noise, 3, 0.5), tf.tensor2d([1, 2, 3], [1, 3]))),
    )(s);
    expect([...g.dataSync()]).toEqual([0, 0, 0]);
    tf.dispose([s, noise, g]);
  });

  for (const k of [1, 2]) {
    it(`forward and gradient match the exact smoothed top-${k} of 3 (quadrature) within Monte-Carlo error`, () => {
      const s = Float64Array.from([0.3, -0.2, 0.5]);
      const sigma = 1;
      const r = [1, -0.5, 2];
      const samples = 20000;
      const scores = tf.tensor2d(Float32Array.from(s), [1, 3]);
      const noise = gaussianNoise([1, samples, 3], 7);
      const soft = perturbedTopk(scores, noise, k, sigma);
      const exact = smoothedTopk(s, k, sigma);
      expect(soft.sum().dataSync()[0]).toBeCloseTo(k, 5);
      expect(maxAbs(soft.dataSync(), exact)).toBeLessThan(0.015);
      const g = tf.grad((x: tf.Tensor) =>
        tf.sum(tf.mul(perturbedTopk(x, noise, k, sigma), tf.tensor2d(r, [1, 3]))),
      )(scores);
      const num = numericGrad((x) => smoothedTopk(x, k, sigma).reduce((a, v, i) => a + v * r[i], 0), s, 1e-4);
      // per-coordinate Monte-Carlo standard error here is ~ |r| / (sigma sqrt(S)) ~ 0.015
      expect(maxAbs(g.dataSync(), num)).toBeLessThan(0.06);
      expect(Math.max(...num.map(Math.abs))).toBeGreaterThan(0.3);
      tf.dispose([scores, noise, soft, g]);
    });
  }
});

describe('space-to-depth', () => {
  it('folds [st, sh, sw] cells into channels (sw, sh, st, C order) and back exactly', () => {
    const [B, T, H, W, C] = [2, 4, 4, 6, 3];
    const data = Float32Array.from({ length: B * T * H * W * C }, (_, i) => i);
    const x = tf.tensor(data, [B, T, H, W, C]);
    const y = spaceToDepth(x, [2, 2, 3]);
    expect(y.shape).toEqual([2, 2, 2, 2, 36]);
    const yd = y.dataSync();
    const ch = 36;
    for (const [b, t, h, w] of [
      [0, 0, 0, 0],
      [1, 1, 1, 1],
      [1, 0, 1, 0],
    ])
      for (let a = 0; a < 3; a++)
        for (let p = 0; p < 2; p++)
          for (let q = 0; q < 2; q++)
            for (let c = 0; c < C; c++) {
              const src = (((b * T + t * 2 + q) * H + h * 2 + p) * W + w * 3 + a) * C + c;
              const dst = (((b * 2 + t) * 2 + h) * 2 + w) * ch + ((a * 2 + p) * 2 + q) * C + c;
              expect(yd[dst]).toBe(data[src]);
            }
    const back = depthToSpace(y, [2, 2, 3]);
    expect([...back.dataSync()]).toEqual([...data]);
    tf.dispose([x, y, back]);
  });
});
