/**
 * Micro-benchmark: self-attention forward + backward (gradients of x, qkv and proj) on tfjs wasm, per
 * variant, at the VideoPrism stage-1 shape (batch 16, 32 visible tokens, width 128, 4 heads), its
 * 64-token form, and a ViT-S-like shape (batch 8, 196 tokens, width 384, 6 heads). Variants run
 * interleaved in the same process; medians over rounds.
 *
 *   npx tsx --conditions=@vfmkit/source packages/nn/bench/attention.ts   (VFM_BENCH_ROUNDS=5)
 *   VFM_BENCH_VARIANTS=loop2d,nn  VFM_BENCH_SHAPES=vp32,vits  to pick
 */
import { loadavg } from 'node:os';
import { Rng } from '@vfmkit/core';
import {
  createParams,
  dense,
  disposeParams,
  initBackend,
  initSelfAttention,
  initTransformerBlock,
  type Params,
  selfAttention,
  tf,
  transformerBlock,
} from '../src/index';
import { multiHeadAttention } from '../src/internal/attention-heads';
import { type AttentionVariant, batched, batchedExplicit, batchedFlags, loop2d } from './attention-variants';

const rounds = Number(process.env.VFM_BENCH_ROUNDS ?? 5);
const shapes: Record<string, { b: number; n: number; d: number; h: number }> = {
  vp32: { b: 16, n: 32, d: 128, h: 4 },
  vp64: { b: 16, n: 64, d: 128, h: 4 },
  vits: { b: 8, n: 196, d: 384, h: 6 },
  // In-between shapes, to place the batched / per-head switch.
  n96: { b: 8, n: 96, d: 128, h: 4 },
  n128: { b: 8, n: 128, d: 128, h: 4 },
  n196: { b: 8, n: 196, d: 128, h: 4 },
  n64d64: { b: 8, n: 64, d: 384, h: 6 },
  n96d64: { b: 8, n: 96, d: 384, h: 6 },
};
const variants: Record<string, AttentionVariant> = {
  loop2d,
  batched,
  batchedExplicit,
  batchedFlags,
  nn: (p, name, x, heads) => selfAttention(p, name, x, { heads }),
  nnBatched: (p, name, x, heads) =>
    dense(p, `${name}.proj`, multiHeadAttention([dense(p, `${name}.qkv`, x)], heads, { mode: 'batched' })),
  nnPerHead: (p, name, x, heads) =>
    dense(p, `${name}.proj`, multiHeadAttention([dense(p, `${name}.qkv`, x)], heads, { mode: 'per-head' })),
  // The whole block through nn (attention + MLP + norms), to see attention's share.
  block: (p, name, x, heads) => transformerBlock(p, name, x, { heads }),
};
const pickV = (process.env.VFM_BENCH_VARIANTS ?? 'loop2d,nn').split(',');
const pickS = (process.env.VFM_BENCH_SHAPES ?? 'vp32,vp64,vits').split(',');

await initBackend({ backend: 'wasm', log: null });

function step(fn: AttentionVariant, params: Params, x: tf.Tensor, heads: number): number {
  const vars = [...params.values()] as tf.Variable[];
  const t0 = performance.now();
  tf.tidy(() => {
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.square(fn(params, 'm', x, heads))) as tf.Scalar,
      vars,
    );
    value.dataSync();
    for (const g of Object.values(grads)) g.dataSync();
  });
  return performance.now() - t0;
}

const median = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
for (const s of pickS) {
  const { b, n, d, h } = shapes[s];
  const attn = createParams();
  initSelfAttention(attn, 'm', d, 1);
  const blk = createParams();
  initTransformerBlock(blk, 'm', d, 1);
  const rng = new Rng(2);
  const x = tf.tensor(
    Float32Array.from({ length: b * n * d }, () => rng.normal()),
    [b, n, d],
  );
  const times: Record<string, number[]> = {};
  for (const v of pickV) {
    times[v] = [];
    step(variants[v], v === 'block' ? blk : attn, x, h); // warm-up
  }
  // Interleaved, the order reversed every other round.
  for (let r = 0; r < rounds; r++)
    for (const v of r % 2 ? [...pickV].reverse() : pickV)
      times[v].push(step(variants[v], v === 'block' ? blk : attn, x, h));
  console.log(
    `${s} (B ${b}, N ${n}, D ${d}, H ${h}), load ${loadavg()[0].toFixed(1)}: ${pickV
      .map((v) => `${v} ${median(times[v]).toFixed(1)} ms [${times[v].map((t) => t.toFixed(0)).join(' ')}]`)
      .join(' | ')}`,
  );
  x.dispose();
  disposeParams(attn);
  disposeParams(blk);
}
