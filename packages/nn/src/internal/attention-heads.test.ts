import { beforeAll, describe, expect, it } from 'vitest';
import { checkLayer, worst } from '../../test/grad-check';
import * as ref from '../../test/reference';
import { initCrossAttention, initSelfAttention, selfAttention } from '../attention';
import { tf } from '../backend';
import { dense } from '../dense';
import { createParams, disposeParams } from '../params';
import {
  BATCHED_MAX_HEAD_WORK,
  chooseHeadsMode,
  type HeadsMode,
  multiHeadAttention,
} from './attention-heads';

beforeAll(ref.useWasm);

const B = 2;
const N = 4;
const NK = 5;
const D = 12;
const H = 3;
const TOL = 1e-3;
const modes: HeadsMode[] = ['batched', 'per-head'];

function input(n: number, seed: number) {
  return { data: ref.randn(B * n * D, seed), shape: [B, n, D] };
}

/** Keys kept per clip in the padding tests: clip 0 all N, clip 1 the first 2. */
const KEPT = [N, 2];
const maskBias = () =>
  tf.tensor2d(
    KEPT.flatMap((l) => Array.from({ length: N }, (_, j) => (j < l ? 0 : -1e9))),
    [B, N],
  );

/** Float64 reference of padded self-attention: each clip attends over its first KEPT[b] keys only. */
function paddedSelfAttention(P: ref.P64, x: Float64Array): Float64Array {
  const qkv = ref.dense(P, 'attn.qkv', x, B * N, D);
  const out = new Float64Array(B * N * D);
  for (let bi = 0; bi < B; bi++) {
    const l = KEPT[bi];
    const q = new Float64Array(N * D);
    const k = new Float64Array(l * D);
    const v = new Float64Array(l * D);
    for (let i = 0; i < N; i++)
      for (let c = 0; c < D; c++) {
        const row = (bi * N + i) * 3 * D;
        q[i * D + c] = qkv[row + c];
        if (i < l) {
          k[i * D + c] = qkv[row + D + c];
          v[i * D + c] = qkv[row + 2 * D + c];
        }
      }
    out.set(ref.attention(q, k, v, 1, N, l, D, H), bi * N * D);
  }
  return ref.dense(P, 'attn.proj', out, B * N, D);
}

describe('multi-head attention in both modes: forward vs float64, gradients vs central differences', () => {
  for (const mode of modes) {
    it(`${mode}: fused qkv (self-attention)`, () => {
      const params = createParams();
      initSelfAttention(params, 'attn', D, 6);
      ref.randomize(params, 41);
      const c = checkLayer(
        params,
        input(N, 3),
        (p, x) => dense(p, 'attn.proj', multiHeadAttention([dense(p, 'attn.qkv', x)], H, { mode })),
        (P, x) => ref.selfAttention(P, 'attn', x, B, N, D, H),
      );
      expect(worst(c).err, JSON.stringify(worst(c))).toBeLessThan(TOL);
      disposeParams(params);
    });

    it(`${mode}: q and fused kv, and q, k, v apart (cross-attention, NQ != NK)`, () => {
      const params = createParams();
      initCrossAttention(params, 'xa', D, 7);
      ref.randomize(params, 51);
      const ctx = tf.tensor(ref.randn(B * NK * D, 8), [B, NK, D]);
      const ctx64 = Float64Array.from(ctx.dataSync());
      const reference = (P: ref.P64, x: Float64Array) =>
        ref.crossAttention(P, 'xa', x, ctx64, B, N, NK, D, H);
      const fused = checkLayer(
        params,
        input(N, 4),
        (p, x) =>
          dense(p, 'xa.proj', multiHeadAttention([dense(p, 'xa.q', x), dense(p, 'xa.kv', ctx)], H, { mode })),
        reference,
      );
      expect(worst(fused).err, JSON.stringify(worst(fused))).toBeLessThan(TOL);
      const apart = checkLayer(
        params,
        input(N, 4),
        (p, x) => {
          const [k, v] = tf.split(dense(p, 'xa.kv', ctx), 2, 2);
          return dense(p, 'xa.proj', multiHeadAttention([dense(p, 'xa.q', x), k, v], H, { mode }));
        },
        reference,
      );
      expect(worst(apart).err, JSON.stringify(worst(apart))).toBeLessThan(TOL);
      ctx.dispose();
      disposeParams(params);
    });
  }

  for (const mode of modes)
    it(`${mode}: a key bias of -1e9 masks padded keys exactly (per-clip float64 reference)`, () => {
      const params = createParams();
      initSelfAttention(params, 'attn', D, 12);
      ref.randomize(params, 42);
      const bias = maskBias();
      const c = checkLayer(
        params,
        input(N, 13),
        (p, x) =>
          dense(p, 'attn.proj', multiHeadAttention([dense(p, 'attn.qkv', x)], H, { mode, keyBias: bias })),
        paddedSelfAttention,
      );
      expect(worst(c).err, JSON.stringify(worst(c))).toBeLessThan(TOL);
      bias.dispose();
      disposeParams(params);
    });

  it('selfAttention takes the key bias and rejects one of the wrong shape', () => {
    const params = createParams();
    initSelfAttention(params, 'attn', D, 12);
    ref.randomize(params, 43);
    const bias = maskBias();
    const x = tf.tensor(ref.randn(B * N * D, 14), [B, N, D]);
    const y = selfAttention(params, 'attn', x, { heads: H, keyBias: bias });
    const yRef = paddedSelfAttention(ref.toP64(params), Float64Array.from(x.dataSync()));
    expect(ref.maxRelErr(y.dataSync(), yRef)).toBeLessThan(1e-4);
    const wrong = tf.zeros([B, N + 1]);
    expect(() => selfAttention(params, 'attn', x, { heads: H, keyBias: wrong })).toThrow(
      expect.objectContaining({ code: 'SHAPE' }),
    );
    for (const t of [bias, x, y, wrong]) t.dispose();
    disposeParams(params);
  });

  it('the two modes agree on a longer sequence, and leave no tensors behind', () => {
    const x = tf.tensor(ref.randn(2 * 40 * 3 * 32, 9), [2, 40, 3 * 32]);
    const before = tf.memory().numTensors;
    const [a, b] = modes.map((m) => tf.tidy(() => multiHeadAttention([x], 2, { mode: m })));
    expect(a.shape).toEqual([2, 40, 32]);
    expect(ref.maxRelErr(a.dataSync(), b.dataSync())).toBeLessThan(1e-5);
    a.dispose();
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('batches heads when one head is small, and runs per head past the measured switch point', () => {
    expect(chooseHeadsMode(32, 32, 32)).toBe('batched'); // VideoPrism stage 1: 32 visible tokens, dh 32
    expect(chooseHeadsMode(1, 64, 32)).toBe('batched'); // one-query attention pooling
    expect(chooseHeadsMode(196, 196, 64)).toBe('per-head'); // ViT-S/16 frame
    expect(BATCHED_MAX_HEAD_WORK).toBeGreaterThanOrEqual(64 * 64 * 32);
    expect(BATCHED_MAX_HEAD_WORK).toBeLessThan(128 * 128 * 32);
  });
});
