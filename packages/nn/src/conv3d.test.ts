import { beforeAll, describe, expect, it } from 'vitest';
import { checkLayer, worst } from '../test/grad-check';
import * as ref from '../test/reference';
import { tf } from './backend';
import { conv3d, conv3dSame, initConv3d } from './conv3d';
import { createParams, disposeParams } from './params';

beforeAll(ref.useWasm);

/** Float64 3-D convolution, stride 1, zero padding k // 2, channels last: written from the definition. */
function conv3dRef(
  P: ref.P64,
  name: string,
  x: Float64Array,
  [B, T, H, W, C]: number[],
  [O, kt, kh, kw]: number[],
): Float64Array {
  const w = P.get(`${name}.weight`) as Float64Array;
  const bias = P.get(`${name}.bias`);
  const y = new Float64Array(B * T * H * W * O);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++)
      for (let h = 0; h < H; h++)
        for (let v = 0; v < W; v++)
          for (let o = 0; o < O; o++) {
            let s = bias ? bias[o] : 0;
            for (let a = 0; a < kt; a++)
              for (let p = 0; p < kh; p++)
                for (let q = 0; q < kw; q++) {
                  const ti = t + a - (kt - 1) / 2;
                  const hi = h + p - (kh - 1) / 2;
                  const wi = v + q - (kw - 1) / 2;
                  if (ti < 0 || ti >= T || hi < 0 || hi >= H || wi < 0 || wi >= W) continue;
                  for (let c = 0; c < C; c++)
                    s +=
                      x[(((b * T + ti) * H + hi) * W + wi) * C + c] *
                      w[(((o * C + c) * kt + a) * kh + p) * kw + q];
                }
            y[(((b * T + t) * H + h) * W + v) * O + o] = s;
          }
  return y;
}

describe('conv3d from matmuls: forward vs float64, gradients vs central differences', () => {
  const cases: { kernel: [number, number, number]; shape: number[]; out: number }[] = [
    { kernel: [3, 3, 3], shape: [2, 3, 4, 3, 2], out: 3 },
    { kernel: [1, 3, 5], shape: [1, 2, 3, 5, 3], out: 2 },
    { kernel: [1, 1, 1], shape: [2, 2, 2, 2, 3], out: 4 },
  ];
  for (const { kernel, shape, out } of cases) {
    it(`kernel [${kernel}], input [${shape}] -> ${out} channels`, () => {
      const params = createParams();
      initConv3d(params, 'conv', shape[4], out, kernel, 1);
      ref.randomize(params, 7);
      const c = checkLayer(
        params,
        {
          data: ref.randn(
            shape.reduce((a, b) => a * b, 1),
            3,
          ),
          shape,
        },
        (p, x) => conv3d(p, 'conv', x),
        (P, x) => conv3dRef(P, 'conv', x, shape, [out, ...kernel]),
      );
      expect(worst(c).err, JSON.stringify(c)).toBeLessThan(1e-3);
      disposeParams(params);
    });
  }

  it('agrees with tfjs conv3d forward (NDHWC) and leaks no tensors across a gradient', () => {
    const x = tf.tensor(ref.randn(2 * 4 * 5 * 6 * 3, 11), [2, 4, 5, 6, 3]);
    const w = tf.tensor(ref.randn(4 * 3 * 27, 12), [4, 3, 3, 3, 3]);
    const ours = conv3dSame(x, w);
    // tfjs filter layout: [kt, kh, kw, IN, OUT]
    const theirs = tf.conv3d(x as tf.Tensor5D, tf.transpose(w, [2, 3, 4, 1, 0]) as tf.Tensor5D, 1, 'same');
    expect(ref.maxRelErr(ours.dataSync(), theirs.dataSync())).toBeLessThan(1e-5);
    const before = tf.memory().numTensors;
    const g = tf.grads((a, b) => tf.sum(conv3dSame(a, b)))([x, w]);
    for (const t of g) t.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w, ours, theirs]);
  });

  it('rejects an even kernel and a channel mismatch', () => {
    const params = createParams();
    expect(() => initConv3d(params, 'c', 2, 2, 2, 1)).toThrow(/odd/);
    const x = tf.zeros([1, 2, 2, 2, 3]);
    expect(() => conv3dSame(x, tf.zeros([2, 2, 3, 3, 3]))).toThrow(/weight must be/);
    x.dispose();
  });
});
