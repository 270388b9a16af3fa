import { beforeAll, describe, expect, it } from 'vitest';
import { maxRelErr, numericGrad, randn, useWasm } from '../test/reference';
import { tf } from './backend';
import { gatherRows } from './embedding';
import { computeGradients, disposeGrads } from './gradients';
import { matmul, matmulTransposed } from './matmul';
import { addParam, createParams, disposeParams } from './params';
import { dropout, dropPath } from './regularization';

beforeAll(useWasm);

/** Float64 `a [M,K] @ b [K,N]`. */
function mm64(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const y = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) for (let t = 0; t < k; t++) y[i * n + j] += a[i * k + t] * b[t * n + j];
  return y;
}

describe('custom-gradient ops', () => {
  it('matmul: forward and both gradients against float64 central differences', () => {
    const [m, k, n] = [3, 4, 5];
    const a = randn(m * k, 1);
    const b = randn(k * n, 2);
    const r = Float64Array.from(randn(m * n, 3));
    const loss = (a64: Float64Array, b64: Float64Array) =>
      mm64(a64, b64, m, k, n).reduce((s, v, i) => s + v * r[i], 0);
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
      tf.sum(tf.mul(matmul(x as tf.Tensor2D, y as tf.Tensor2D), tf.tensor(Float32Array.from(r), [m, n]))),
    )([tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])]);
    const a64 = Float64Array.from(a);
    const b64 = Float64Array.from(b);
    const y = matmul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])).dataSync();
    expect(maxRelErr(y, mm64(a64, b64, m, k, n))).toBeLessThan(1e-6);
    expect(
      maxRelErr(
        ga.dataSync(),
        numericGrad((x) => loss(x, b64), a64),
      ),
    ).toBeLessThan(1e-4);
    expect(
      maxRelErr(
        gb.dataSync(),
        numericGrad((x) => loss(a64, x), b64),
      ),
    ).toBeLessThan(1e-4);
  });

  it('matmulTransposed (x @ W^T, PyTorch layout): forward and gradients', () => {
    const [m, i, o] = [4, 3, 6];
    const x = randn(m * i, 4);
    const w = randn(o * i, 5);
    const r = Float64Array.from(randn(m * o, 6));
    const wT = (w64: Float64Array) => {
      const t = new Float64Array(i * o);
      for (let p = 0; p < o; p++) for (let q = 0; q < i; q++) t[q * o + p] = w64[p * i + q];
      return t;
    };
    const loss = (x64: Float64Array, w64: Float64Array) =>
      mm64(x64, wT(w64), m, i, o).reduce((s, v, j) => s + v * r[j], 0);
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(
        tf.mul(matmulTransposed(a as tf.Tensor2D, b as tf.Tensor2D), tf.tensor(Float32Array.from(r), [m, o])),
      ),
    )([tf.tensor2d(x, [m, i]), tf.tensor2d(w, [o, i])]);
    const x64 = Float64Array.from(x);
    const w64 = Float64Array.from(w);
    expect(
      maxRelErr(
        matmulTransposed(tf.tensor2d(x, [m, i]), tf.tensor2d(w, [o, i])).dataSync(),
        mm64(x64, wT(w64), m, i, o),
      ),
    ).toBeLessThan(1e-6);
    expect(
      maxRelErr(
        gx.dataSync(),
        numericGrad((v) => loss(v, w64), x64),
      ),
    ).toBeLessThan(1e-4);
    expect(
      maxRelErr(
        gw.dataSync(),
        numericGrad((v) => loss(x64, v), w64),
      ),
    ).toBeLessThan(1e-4);
  });

  it('gatherRows: lookup with a gradient on wasm that sums repeated ids', () => {
    const table = tf.tensor2d(randn(5 * 3, 7), [5, 3]);
    const ids = tf.tensor2d([0, 2, 2, 4], [2, 2], 'int32');
    const rows = gatherRows(table, ids);
    expect(rows.shape).toEqual([2, 2, 3]);
    const t = table.dataSync();
    expect(Array.from(rows.dataSync().slice(3, 6))).toEqual(Array.from(t.slice(6, 9)));
    const r = randn(12, 8);
    const g = tf.grad((tb: tf.Tensor) =>
      tf.sum(tf.mul(gatherRows(tb as tf.Tensor2D, ids), tf.tensor(r, [2, 2, 3]))),
    )(table);
    const t64 = Float64Array.from(t);
    const idx = [0, 2, 2, 4];
    const num = numericGrad((tt) => {
      let s = 0;
      idx.forEach((row, p) => {
        for (let c = 0; c < 3; c++) s += tt[row * 3 + c] * r[p * 3 + c];
      });
      return s;
    }, t64);
    expect(maxRelErr(g.dataSync(), num)).toBeLessThan(1e-4);
    expect(() => gatherRows(table, tf.tensor1d([0.5]))).toThrow(/int32/);
  });

  it('gatherRows: ids made inside the loss survive until the backward pass (computeGradients)', () => {
    const params = createParams();
    const table = addParam(params, 'embed.weight', tf.tensor2d(randn(4 * 2, 3), [4, 2]));
    const { loss, grads } = computeGradients(params, () =>
      tf.sum(gatherRows(table as tf.Variable<tf.Rank.R2>, tf.tensor1d([1, 1, 3], 'int32'))),
    );
    // d/dtable of sum(table[[1, 1, 3]]): row 1 twice, row 3 once.
    expect(Array.from(grads.get('embed.weight')?.dataSync() ?? [])).toEqual([0, 0, 2, 2, 0, 0, 1, 1]);
    loss.dispose();
    disposeGrads(grads);
    disposeParams(params);
  });

  it('dropout and drop path: seeded, scaled to keep the mean, identity at rate 0', () => {
    const x = tf.ones([4, 50, 20]);
    const y = dropout(x, 0.25, 1).dataSync();
    const zeros = y.filter((v) => v === 0).length;
    expect(zeros / y.length).toBeGreaterThan(0.2);
    expect(zeros / y.length).toBeLessThan(0.3);
    expect(y.find((v) => v !== 0)).toBeCloseTo(1 / 0.75, 6);
    expect(Array.from(dropout(x, 0.25, 1).dataSync())).toEqual(Array.from(y));
    expect(dropout(x, 0, 1)).toBe(x);
    const p = dropPath(tf.ones([64, 2, 3]), 0.5, 3).dataSync();
    for (let b = 0; b < 64; b++) {
      const row = p.slice(b * 6, b * 6 + 6);
      expect(new Set(row).size).toBe(1);
      expect([0, 2]).toContain(row[0]);
    }
    expect(() => dropout(x, 1, 0)).toThrow(/rate/);
  });
});
