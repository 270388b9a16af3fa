import { attr, type GraphBuilder } from '@vfmkit/onnx';
import { checkWeights, type NamedWeights } from '@vfmkit/vit-encoder';
import { buildVitGraph, type VitOnnxExportOptions } from '@vfmkit/vit-encoder/onnx';
import type { VideoTowerConfigInput } from '../config';
import {
  poolHidden,
  resolveVideoTower,
  splitTowerWeights,
  type VideoTowerConfig,
  videoTowerWeightSpecs,
} from '../internal/tower';

/** Layer-norm epsilon of the pool's MLP branch (the tfjs tower's `POOL_EPS`). */
const POOL_EPS = 1e-6;

/** Options of {@link buildVideoTowerGraph}: the ViT exporter's, without intermediate layers or a visible index. */
export type VideoTowerOnnxOptions = Omit<VitOnnxExportOptions, 'layers' | 'visibleInput'>;

function get(weights: NamedWeights, name: string): Float32Array {
  return (weights.get(name) as { data: Float32Array }).data;
}

/** `[OUT, IN]` row-major -> `[IN, OUT]` row-major (PyTorch layout to `x @ W`). */
function transposed(w: Float32Array, out: number, inp: number): Float32Array {
  const t = new Float32Array(w.length);
  for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) t[i * out + o] = w[o * inp + i];
  return t;
}

/**
 * The video tower as an ONNX graph: `@vfmkit/vit-encoder`'s `buildVitGraph` (input `clips`
 * `[B, T, H, W, C]` float32 in [0, 1]; outputs `tokens` `[B, N, D]` and its mean `pooled`) followed by
 * the one-query attention pool, output `embedding` `[B, D]` (NOT normalised, the same as the tfjs
 * tower's `forward(...).embedding`). The pool's query projection depends only on weights, so it is
 * folded into a constant `[1, H, 1, dh]`; attention is MatMul + Softmax + MatMul, GELU exact (Erf).
 * @throws CheckpointError for weights that do not fit the config; ConfigError for a bad config or clip size.
 */
export function buildVideoTowerGraph(
  config: VideoTowerConfigInput | VideoTowerConfig,
  weights: NamedWeights,
  options: VideoTowerOnnxOptions = {},
): GraphBuilder {
  const c = resolveVideoTower(config);
  checkWeights(weights, videoTowerWeightSpecs(c));
  const { encoder, pool } = splitTowerWeights(weights);
  const g = buildVitGraph(c.encoder, encoder, { ...options, layers: [], visibleInput: false });
  const d = c.encoder.width;
  const heads = c.poolHeads;
  const dh = d / heads;
  const hidden = poolHidden(c);
  // q = latent W_q^T + b_q, scaled by 1 / sqrt(dh), in float64: [1, H, 1, dh] (head h = q[h*dh .. h*dh+dh)).
  const latent = get(pool, 'pool.latent');
  const wq = get(pool, 'pool.q.weight');
  const bq = get(pool, 'pool.q.bias');
  const q = new Float32Array(d);
  for (let o = 0; o < d; o++) {
    let s = bq[o];
    for (let i = 0; i < d; i++) s += latent[i] * wq[o * d + i];
    q[o] = s / Math.sqrt(dh);
  }
  const lin = (x: string, name: string, out: number, inp: number) =>
    g.linear(
      x,
      transposed(get(pool, `${name}.weight`), out, inp),
      [inp, out],
      get(pool, `${name}.bias`),
      name,
    );
  const kv = lin('tokens', 'pool.kv', 2 * d, d);
  const [k, v] = g.node('Split', [kv], { axis: attr.int(2) }, { outputs: 2 });
  const kt = g.transpose(g.reshape(k, [0, 0, heads, dh]), [0, 2, 3, 1]); // [B, H, dh, N]
  const vh = g.transpose(g.reshape(v, [0, 0, heads, dh]), [0, 2, 1, 3]); // [B, H, N, dh]
  const scores = g.matmul(g.f32(q, [1, heads, 1, dh], 'pool.query'), kt); // [B, H, 1, N]
  const att = g.matmul(g.softmax(scores, -1), vh); // [B, H, 1, dh]
  const merged = g.reshape(g.transpose(att, [0, 2, 1, 3]), [0, 1, d]); // [B, 1, D]
  const x = lin(merged, 'pool.proj', d, d);
  const normed = g.layerNorm(
    x,
    g.f32(get(pool, 'pool.norm.weight'), [d]),
    g.f32(get(pool, 'pool.norm.bias'), [d]),
    {
      epsilon: POOL_EPS,
    },
  );
  const mlp = lin(g.gelu(lin(normed, 'pool.mlp.fc1', hidden, d)), 'pool.mlp.fc2', d, hidden);
  const embedding = g.reshape(g.add(x, mlp), [0, d]);
  g.output(embedding, 'float32', { name: 'embedding', dims: ['batch', d] });
  return g;
}

/** The video tower as ONNX bytes (see {@link buildVideoTowerGraph}). */
export function exportVideoTowerOnnx(
  config: VideoTowerConfigInput | VideoTowerConfig,
  weights: NamedWeights,
  options: VideoTowerOnnxOptions = {},
): Uint8Array {
  return buildVideoTowerGraph(config, weights, options).toBuffer();
}
