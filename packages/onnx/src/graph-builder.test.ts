import { describe, expect, it } from 'vitest';
import * as R from '../test/reference';
import { evaluate, f32, numbers, Rng, randn } from '../test/test-utils';
import { GraphBuilder } from './graph-builder';

const close = (actual: ArrayLike<number>, want: R.Ref, tol = 1e-5) => {
  expect(actual.length).toBe(want.data.length);
  expect(R.maxAbsDiff(actual, want.data)).toBeLessThan(tol);
};

describe('op helpers against a float64 reference through ONNX Runtime', () => {
  const rng = new Rng(7);

  it('matmul with broadcast batch dims and gemm with transB, alpha, beta', async () => {
    const a = randn(rng, 2 * 1 * 4 * 5);
    const b = randn(rng, 3 * 5 * 6);
    const c2 = randn(rng, 4 * 5);
    const w = randn(rng, 6 * 5);
    const bias = randn(rng, 6);
    const g = new GraphBuilder();
    const x = g.input('a', 'float32', [2, 1, 4, 5]);
    g.output(g.matmul(x, g.f32(b, [3, 5, 6])), 'float32', { name: 'mm' });
    const y = g.input('c', 'float32', [4, 5]);
    g.output(
      g.gemm(y, g.f32(w, [6, 5]), g.f32(bias, [6]), { alpha: 0.5, beta: 2, transB: true }),
      'float32',
      { name: 'gemm' },
    );
    const out = await evaluate(g, { a: f32(a, [2, 1, 4, 5]), c: f32(c2, [4, 5]) });
    const mm = R.matmul(R.ref(a, [2, 1, 4, 5]), R.ref(b, [3, 5, 6]));
    expect(out.mm.dims).toEqual([2, 3, 4, 6]);
    close(out.mm.data as Float32Array, mm);
    const gm = R.matmul(R.ref(c2, [4, 5]), R.transpose(R.ref(w, [6, 5]), [1, 0]));
    close(
      out.gemm.data as Float32Array,
      R.elementwise([gm, R.ref(bias, [6])], (p, q) => 0.5 * p + 2 * q),
    );
  });

  it('binary ops broadcast and unary ops', async () => {
    const a = randn(rng, 24);
    const b = randn(rng, 4).map((v) => v + Math.sign(v) * 0.5);
    const c = randn(rng, 3).map((v) => Math.abs(v) + 0.5);
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [2, 3, 4]);
    const vb = g.f32(b, [4]);
    const vc = g.f32(c, [3, 1]);
    g.output(g.add(x, vb), 'float32', { name: 'add' });
    g.output(g.sub(x, vc), 'float32', { name: 'sub' });
    g.output(g.mul(x, vb), 'float32', { name: 'mul' });
    g.output(g.div(x, vb), 'float32', { name: 'div' });
    g.output(g.pow(vc, g.scalar(1.5)), 'float32', { name: 'pow' });
    for (const op of ['Erf', 'Exp', 'Tanh', 'Sigmoid', 'Relu', 'Neg', 'Abs'] as const)
      g.output(g.unary(op, x), 'float32', { name: op });
    g.output(g.unary('Sqrt', g.unary('Abs', x)), 'float32', { name: 'Sqrt' });
    const out = await evaluate(g, { x: f32(a, [2, 3, 4]) });
    const X = R.ref(a, [2, 3, 4]);
    const B = R.ref(b, [4]);
    const C = R.ref(c, [3, 1]);
    close(
      out.add.data as Float32Array,
      R.elementwise([X, B], (p, q) => p + q),
    );
    close(
      out.sub.data as Float32Array,
      R.elementwise([X, C], (p, q) => p - q),
    );
    close(
      out.mul.data as Float32Array,
      R.elementwise([X, B], (p, q) => p * q),
    );
    close(
      out.div.data as Float32Array,
      R.elementwise([X, B], (p, q) => p / q),
      1e-4,
    );
    close(
      out.pow.data as Float32Array,
      R.elementwise([C], (p) => p ** 1.5),
    );
    const fns: Record<string, (v: number) => number> = {
      Erf: R.erf,
      Exp: Math.exp,
      Tanh: Math.tanh,
      Sigmoid: (v) => 1 / (1 + Math.exp(-v)),
      Relu: (v) => Math.max(0, v),
      Neg: (v) => -v,
      Abs: Math.abs,
      Sqrt: (v) => Math.sqrt(Math.abs(v)),
    };
    for (const [op, f] of Object.entries(fns))
      close(out[op].data as Float32Array, R.elementwise([X], f), 1e-5);
  });

  it('tubelet patchify as reshape -> transpose -> reshape, then linear', async () => {
    // [B, T, H, W, C] = [1, 4, 4, 6, 3], tubelet [2, 2, 2] -> tokens [1, 2*2*3, 2*2*2*3] -> [1, 12, 5]
    const [B, T, H, W, C, pt, ph, pw, D] = [1, 4, 4, 6, 3, 2, 2, 2, 5];
    const clip = randn(rng, B * T * H * W * C);
    const w = randn(rng, pt * ph * pw * C * D, 0.2);
    const g = new GraphBuilder();
    const x = g.input('clip', 'float32', ['batch', T, H, W, C]);
    const r = g.reshape(x, [-1, T / pt, pt, H / ph, ph, W / pw, pw, C]);
    const t = g.transpose(r, [0, 1, 3, 5, 2, 4, 6, 7]);
    const tokens = g.reshape(t, [0, (T / pt) * (H / ph) * (W / pw), pt * ph * pw * C]);
    g.output(g.linear(tokens, w, [pt * ph * pw * C, D]), 'float32', { name: 'emb' });
    const out = await evaluate(g, { clip: f32(clip, [B, T, H, W, C]) });
    const ref = R.transpose(
      R.ref(clip, [B, T / pt, pt, H / ph, ph, W / pw, pw, C]),
      [0, 1, 3, 5, 2, 4, 6, 7],
    );
    const emb = R.matmul({ data: ref.data, dims: [B, 12, 24] }, R.ref(w, [24, D]));
    expect(out.emb.dims).toEqual([1, 12, 5]);
    close(out.emb.data as Float32Array, emb);
  });

  it('softmax, layerNorm and exact gelu', async () => {
    const a = randn(rng, 2 * 3 * 8, 2);
    const scale = randn(rng, 8);
    const bias = randn(rng, 8);
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [2, 3, 8]);
    g.output(g.softmax(x), 'float32', { name: 'sm' });
    g.output(g.layerNorm(x, g.f32(scale, [8]), g.f32(bias, [8]), { epsilon: 1e-6 }), 'float32', {
      name: 'ln',
    });
    g.output(g.gelu(x), 'float32', { name: 'gelu' });
    const out = await evaluate(g, { x: f32(a, [2, 3, 8]) });
    const X = R.ref(a, [2, 3, 8]);
    close(out.sm.data as Float32Array, R.softmax(X));
    close(out.ln.data as Float32Array, R.layerNorm(X, scale, bias, 1e-6), 2e-5);
    close(out.gelu.data as Float32Array, R.gelu(X));
  });

  it('3-D conv with stride, padding and bias', async () => {
    const x = randn(rng, 1 * 2 * 4 * 5 * 6);
    const w = randn(rng, 3 * 2 * 3 * 3 * 3, 0.3);
    const b = randn(rng, 3);
    const g = new GraphBuilder();
    const vx = g.input('x', 'float32', [1, 2, 4, 5, 6]);
    g.output(
      g.conv(vx, g.f32(w, [3, 2, 3, 3, 3]), g.f32(b, [3]), { strides: [1, 2, 2], pads: [1, 1, 1, 1, 1, 1] }),
      'float32',
      { name: 'y' },
    );
    const out = await evaluate(g, { x: f32(x, [1, 2, 4, 5, 6]) });
    const ref = R.conv3d(R.ref(x, [1, 2, 4, 5, 6]), R.ref(w, [3, 2, 3, 3, 3]), b, [1, 2, 2], [1, 1, 1]);
    expect(out.y.dims).toEqual(ref.dims);
    close(out.y.data as Float32Array, ref);
  });

  it('gather (runtime and constant indices), slice, concat', async () => {
    const a = randn(rng, 2 * 5 * 3);
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [2, 5, 3]);
    const idx = g.input('keep', 'int64', [2]);
    g.output(g.gather(x, idx, 1), 'float32', { name: 'visible' });
    g.output(g.gather(x, [-1, 0], 2), 'float32', { name: 'cols' });
    g.output(g.slice(x, [1, 0], [5, 3], [1, 2], [2, 2]), 'float32', { name: 'sl' });
    g.output(g.concat([x, g.slice(x, [0], [2], [1])], 1), 'float32', { name: 'cat' });
    const out = await evaluate(g, {
      x: f32(a, [2, 5, 3]),
      keep: { dtype: 'int64', data: BigInt64Array.of(4n, 1n), dims: [2] },
    });
    const X = R.ref(a, [2, 5, 3]);
    close(out.visible.data as Float32Array, R.gather(X, [4, 1], [2], 1));
    close(out.cols.data as Float32Array, R.gather(X, [-1, 0], [2], 2));
    const sl = R.slice(X, [1, 0], [5, 3], [1, 2], [2, 2]);
    expect(out.sl.dims).toEqual(sl.dims);
    close(out.sl.data as Float32Array, sl);
    close(out.cat.data as Float32Array, R.concat([X, R.slice(X, [0], [2], [1], [1])], 1));
  });

  it.each([17, 18, 21])('reduceMean pooling at opset %i', async (opset) => {
    const a = randn(rng, 2 * 6 * 4);
    const g = new GraphBuilder({ opset });
    const x = g.input('x', 'float32', ['b', 6, 4]);
    g.output(g.reduceMean(x, [1], false), 'float32', { name: 'pooled' });
    g.output(g.reduceMean(x, [1, 2]), 'float32', { name: 'all' });
    const out = await evaluate(g, { x: f32(a, [2, 6, 4]) });
    const X = R.ref(a, [2, 6, 4]);
    expect(out.pooled.dims).toEqual([2, 4]);
    close(out.pooled.data as Float32Array, R.reduceMean(X, [1], false));
    expect(out.all.dims).toEqual([2, 1, 1]);
    close(out.all.data as Float32Array, R.reduceMean(X, [1, 2], true));
  });

  it('resize nearest by scales and linear by sizes', async () => {
    const a = randn(rng, 1 * 2 * 3 * 4);
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [1, 2, 3, 4]);
    g.output(g.resize(x, { scales: [1, 1, 2, 2] }), 'float32', { name: 'near' });
    g.output(g.resize(x, { sizes: [1, 2, 5, 7], mode: 'linear' }), 'float32', { name: 'lin' });
    const out = await evaluate(g, { x: f32(a, [1, 2, 3, 4]) });
    const X = R.ref(a, [1, 2, 3, 4]);
    expect(out.near.dims).toEqual([1, 2, 6, 8]);
    close(out.near.data as Float32Array, R.resize2d(X, 6, 8, 'nearest'));
    close(out.lin.data as Float32Array, R.resize2d(X, 5, 7, 'linear'));
  });

  it('topK, where, compare, cast, unsqueeze/squeeze, shape, constant', async () => {
    const a = randn(rng, 3 * 6);
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [3, 6]);
    const [values, indices] = g.topK(x, 2);
    g.output(values, 'float32', { name: 'values' });
    g.output(indices, 'int64', { name: 'indices' });
    const pos = g.compare('Greater', x, g.scalar(0));
    g.output(g.where(pos, x, g.constant({ data: Float32Array.of(-9), dims: [] })), 'float32', { name: 'w' });
    g.output(g.cast(pos, 'int32'), 'int32', { name: 'mask' });
    g.output(g.squeeze(g.unsqueeze(x, [0, 2]), [0]), 'float32', { name: 'unsq' });
    g.output(g.shape(x), 'int64', { name: 'shape' });
    const out = await evaluate(g, { x: f32(a, [3, 6]) });
    const X = R.ref(a, [3, 6]);
    const tk = R.topK(X, 2);
    close(out.values.data as Float32Array, tk.values);
    expect(numbers(out.indices)).toEqual(tk.indices);
    close(
      out.w.data as Float32Array,
      R.elementwise([X], (v) => (v > 0 ? v : -9)),
    );
    expect(out.mask.dtype).toBe('int32');
    expect(numbers(out.mask)).toEqual(Array.from(a, (v) => (v > 0 ? 1 : 0)));
    expect(out.unsq.dims).toEqual([3, 1, 6]);
    close(out.unsq.data as Float32Array, X);
    expect(numbers(out.shape)).toEqual([3, 6]);
  });
});
