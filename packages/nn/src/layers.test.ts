import { Rng } from '@vfmkit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkLayer, worst } from '../test/grad-check';
import * as ref from '../test/reference';
import { gelu } from './activations';
import { initBottleneckAdapter } from './adapters';
import { crossAttention, initCrossAttention, initSelfAttention, selfAttention } from './attention';
import { tf } from './backend';
import { initTransformerBlock, transformerBlock } from './block';
import { dense, initDense, initLora } from './dense';
import { initLayerNorm, layerNorm } from './layer-norm';
import { initMlp, mlp } from './mlp';
import { createParams, disposeParams } from './params';
import { attentionPool, initAttentionPool } from './pooler';

beforeAll(ref.useWasm);

const B = 2;
const N = 3;
const D = 8;
const H = 2;
const TOL = 1e-3;

function input(n = N, d = D, seed = 5) {
  return { data: ref.randn(B * n * d, seed), shape: [B, n, d] };
}

describe('layers: forward vs float64 reference, gradients vs central differences', () => {
  it('dense (PyTorch layout [OUT, IN] + bias)', () => {
    const params = createParams();
    initDense(params, 'fc', D, 5, 1);
    ref.randomize(params, 10);
    const c = checkLayer(
      params,
      input(),
      (p, x) => dense(p, 'fc', x),
      (P, x) => ref.dense(P, 'fc', x, B * N, D),
    );
    expect(worst(c).err, JSON.stringify(worst(c))).toBeLessThan(TOL);
    disposeParams(params);
  });

  it('dense with LoRA (alpha/rank scaling) trains A and B', () => {
    const params = createParams();
    initDense(params, 'fc', D, 6, 1);
    initLora(params, 'fc', { rank: 2, alpha: 4 }, 2);
    ref.randomize(params, 20);
    const c = checkLayer(
      params,
      input(),
      (p, x) => dense(p, 'fc', x),
      (P, x) => ref.dense(P, 'fc', x, B * N, D, 2),
    );
    expect(worst(c).err, JSON.stringify(worst(c))).toBeLessThan(TOL);
    expect(Object.keys(c.grads)).toContain('fc.lora_A.weight');
    disposeParams(params);
  });

  it('LoRA starts as the identity update (B = 0)', () => {
    const params = createParams();
    initDense(params, 'fc', D, 6, 1);
    const x = tf.tensor(ref.randn(B * D, 3), [B, D]);
    const before = dense(params, 'fc', x).dataSync();
    initLora(params, 'fc', { rank: 2 }, 2);
    expect(Array.from(dense(params, 'fc', x).dataSync())).toEqual(Array.from(before));
    disposeParams(params);
  });

  it('layer norm and exact GELU', () => {
    const params = createParams();
    initLayerNorm(params, 'ln', D);
    ref.randomize(params, 30);
    const c = checkLayer(
      params,
      input(),
      (p, x) => gelu(layerNorm(p, 'ln', x)),
      (P, x) => ref.gelu(ref.layerNorm(P, 'ln', x, B * N, D)),
    );
    expect(worst(c).err, JSON.stringify(worst(c))).toBeLessThan(TOL);
    disposeParams(params);
  });

  it('MLP with GELU', () => {
    const params = createParams();
    initMlp(params, 'mlp', D, 16, 4);
    const c = checkLayer(
      params,
      input(),
      (p, x) => mlp(p, 'mlp', x),
      (P, x) => ref.mlp(P, 'mlp', x, B * N, D),
    );
    expect(worst(c).err, JSON.stringify(worst(c))).toBeLessThan(TOL);
    disposeParams(params);
  });

  it('multi-head self-attention (fused qkv, per-head 2-D matmuls)', () => {
    const params = createParams();
    initSelfAttention(params, 'attn', D, 6);
    ref.randomize(params, 40);
    const c = checkLayer(
      params,
      input(),
      (p, x) => selfAttention(p, 'attn', x, { heads: H }),
      (P, x) => ref.selfAttention(P, 'attn', x, B, N, D, H),
    );
    expect(worst(c).err, JSON.stringify(worst(c))).toBeLessThan(TOL);
    disposeParams(params);
  });

  it('multi-head cross-attention (queries and context of different lengths and widths)', () => {
    const params = createParams();
    initCrossAttention(params, 'xa', D, 7, 6);
    ref.randomize(params, 50);
    const ctx = tf.tensor(ref.randn(B * 5 * 6, 8), [B, 5, 6]);
    const ctx64 = Float64Array.from(ctx.dataSync());
    const c = checkLayer(
      params,
      input(),
      (p, x) => crossAttention(p, 'xa', x, ctx, { heads: H }),
      (P, x) => {
        const q = ref.dense(P, 'xa.q', x, B * N, D);
        const kv = ref.dense(P, 'xa.kv', ctx64, B * 5, 6);
        const k = new Float64Array(B * 5 * D);
        const v = new Float64Array(B * 5 * D);
        for (let i = 0; i < B * 5; i++)
          for (let j = 0; j < D; j++) {
            k[i * D + j] = kv[i * 2 * D + j];
            v[i * D + j] = kv[i * 2 * D + D + j];
          }
        return ref.dense(P, 'xa.proj', ref.attention(q, k, v, B, N, 5, D, H), B * N, D);
      },
    );
    expect(worst(c).err, JSON.stringify(worst(c))).toBeLessThan(TOL);
    ctx.dispose();
    disposeParams(params);
  });

  it('attention pooler with learned queries', () => {
    const params = createParams();
    initAttentionPool(params, 'pool', D, 2, 9, 2);
    ref.randomize(params, 60);
    const c = checkLayer(
      params,
      input(4),
      (p, x) => attentionPool(p, 'pool', x, { heads: H }),
      (P, x) => ref.attentionPool(P, 'pool', x, B, 4, D, H),
    );
    expect(worst(c).err, JSON.stringify(worst(c))).toBeLessThan(TOL);
    disposeParams(params);
  });

  it('transformer block (timm names) with a bottleneck adapter', () => {
    const params = createParams();
    initTransformerBlock(params, 'blocks.0', D, 11, 2);
    initBottleneckAdapter(params, 'blocks.0.adapter', D, 3, 12);
    ref.randomize(params, 70, 0.2);
    expect([...params.keys()]).toContain('blocks.0.attn.qkv.weight');
    const c = checkLayer(
      params,
      input(),
      (p, x) => transformerBlock(p, 'blocks.0', x, { heads: H }),
      (P, x) => ref.block(P, 'blocks.0', x, B, N, D, H),
    );
    expect(worst(c).err, JSON.stringify(worst(c))).toBeLessThan(TOL);
    disposeParams(params);
  });

  it('rejects a width that the heads do not divide, and a missing weight', () => {
    const params = createParams();
    initSelfAttention(params, 'attn', D, 1);
    const x = tf.zeros([1, 2, D]);
    expect(() => selfAttention(params, 'attn', x, { heads: 3 })).toThrow(/not divisible by 3 heads/);
    expect(() => dense(params, 'nope', x)).toThrow(expect.objectContaining({ code: 'NN_PARAM' }));
    expect(() => dense(params, 'attn.qkv', tf.zeros([1, 5]))).toThrow(
      expect.objectContaining({ code: 'SHAPE' }),
    );
    disposeParams(params);
  });

  it('initialisers are deterministic per seed', () => {
    const a = createParams();
    const b = createParams();
    initTransformerBlock(a, 'b', D, new Rng(3));
    initTransformerBlock(b, 'b', D, 3);
    for (const [k, v] of a)
      expect(Array.from(v.dataSync())).toEqual(Array.from((b.get(k) as tf.Variable).dataSync()));
    disposeParams(a);
    disposeParams(b);
  });
});
