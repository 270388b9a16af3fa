import { beforeAll, describe, expect, it } from 'vitest';
import { checkLayer, worst } from '../../test/grad-check';
import * as ref from '../../test/reference';
import { initCrossAttention, initSelfAttention } from '../attention';
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

describe('multi-head attention in both modes: forward vs float64, gradients vs central differences', () => {
  for (const mode of modes) {
    it(`${mode}: fused qkv (self-attention)`, () => {
      const params = createParams();
      initSelfAttention(params, 'attn', D, 6);
      ref.randomize(params, 41);
      const c = checkLayer(
        params,
        input(N, 3),
        (p, x) => dense(p, 'attn.proj', multiHeadAttention([dense(p, 'attn.qkv', x)], H, mode)),
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
          dense(p, 'xa.proj', multiHeadAttention([dense(p, 'xa.q', x), dense(p, 'xa.kv', ctx)], H, mode)),
        reference,
      );
      expect(worst(fused).err, JSON.stringify(worst(fused))).toBeLessThan(TOL);
      const apart = checkLayer(
        params,
        input(N, 4),
        (p, x) => {
          const [k, v] = tf.split(dense(p, 'xa.kv', ctx), 2, 2);
          return dense(p, 'xa.proj', multiHeadAttention([dense(p, 'xa.q', x), k, v], H, mode));
        },
        reference,
      );
      expect(worst(apart).err, JSON.stringify(worst(apart))).toBeLessThan(TOL);
      ctx.dispose();
      disposeParams(params);
    });
  }

  it('the two modes agree on a longer sequence, and leave no tensors behind', () => {
    const x = tf.tensor(ref.randn(2 * 40 * 3 * 32, 9), [2, 40, 3 * 32]);
    const before = tf.memory().numTensors;
    const [a, b] = modes.map((m) => tf.tidy(() => multiHeadAttention([x], 2, m)));
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
