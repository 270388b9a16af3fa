import { describe, expect, it } from 'vitest';
import * as R from '../test/reference';
import { evaluate, f32, Rng, randn } from '../test/test-utils';
import { OnnxGraphError } from './errors';
import { GraphBuilder, type GraphBuilderOptions } from './graph-builder';
import { dequantizeInt8, quantizeInt8PerChannel } from './quantize';

describe('quantizeInt8PerChannel', () => {
  it('matches a hand-worked example (one scale per output channel of [K, N])', () => {
    const w = Float32Array.of(1, -1.5, 0.3, 0.25, 4, -1); // [2, 3]
    const q = quantizeInt8PerChannel(w, [2, 3], 1);
    expect(Array.from(q.scales)).toEqual(Array.from(Float32Array.of(1 / 127, 4 / 127, 1 / 127)));
    // col 0: 1 -> 127, 0.25 -> 31.75 -> 32; col 1: -1.5 -> -47.625 -> -48, 4 -> 127; col 2: 0.3 -> 38.1 -> 38
    expect(Array.from(q.data)).toEqual([127, -48, 38, 32, 127, -127]);
    expect(quantizeInt8PerChannel(w, [2, 3], 1, { reduceRange: true }).qmax).toBe(63);
    const back = dequantizeInt8(q, [2, 3]);
    for (let i = 0; i < 6; i++)
      expect(Math.abs(back[i] - w[i])).toBeLessThanOrEqual(q.scales[i % 3] / 2 + 1e-7);
  });

  it('handles all-zero channels and rejects bad axes', () => {
    const q = quantizeInt8PerChannel(new Float32Array(4), [2, 2], 0);
    expect(Array.from(q.scales)).toEqual([1, 1]);
    expect(() => quantizeInt8PerChannel(new Float32Array(4), [2, 2], 2)).toThrow(OnnxGraphError);
    expect(() => quantizeInt8PerChannel(new Float32Array(3), [2, 2], 0)).toThrow(OnnxGraphError);
  });
});

/** A random 2-layer MLP 64 -> 256 -> 64 with GELU on [batch, 16, 64] tokens. */
function mlp(options: GraphBuilderOptions) {
  const rng = new Rng(11);
  const g = new GraphBuilder(options);
  const x = g.input('x', 'float32', ['batch', 16, 64]);
  const h = g.gelu(g.linear(x, randn(rng, 64 * 256, 1 / 8), [64, 256], randn(rng, 256, 0.1), 'fc1'));
  g.output(g.linear(h, randn(rng, 256 * 64, 1 / 16), [256, 64], randn(rng, 64, 0.1), 'fc2'), 'float32', {
    name: 'y',
  });
  return g;
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

describe('weight export modes on a random MLP', () => {
  const x = f32(randn(new Rng(12), 4 * 16 * 64), [4, 16, 64]);

  it.each([
    // Tolerances: max |int8 - fp32| relative to max |fp32|, and cosine similarity.
    ['int8 dynamic', { weights: 'int8', int8Compute: 'dynamic' }, 0.04, 0.9995, 'MatMulInteger'],
    ['int8 dequantize', { weights: 'int8', int8Compute: 'dequantize' }, 0.02, 0.9998, 'DequantizeLinear'],
    ['float16', { weights: 'float16' }, 0.002, 0.999999, 'Cast'],
  ] as const)('%s stays within tolerance of fp32', async (_label, options, maxRel, minCos, op) => {
    const ref = mlp({});
    const q = mlp(options as GraphBuilderOptions);
    expect(q.summary().ops[op]).toBeGreaterThanOrEqual(2);
    const [a, b] = [await evaluate(ref, { x }), await evaluate(q, { x })];
    const fp = a.y.data as Float32Array;
    const qq = b.y.data as Float32Array;
    const scale = Math.max(...Array.from(fp, Math.abs));
    const rel = R.maxAbsDiff(fp, qq) / scale;
    expect(rel).toBeLessThan(maxRel);
    expect(rel).toBeGreaterThan(0); // the quantized path really differs from fp32
    expect(cosine(fp, qq)).toBeGreaterThan(minCos);
    const ratio = ref.toBuffer().length / q.toBuffer().length;
    expect(ratio).toBeGreaterThan(options.weights === 'int8' ? 3.5 : 1.9);
  });
});
