import { attr, type GraphBuilder } from '@vfmkit/onnx';
import { type NamedWeights, transposed, weightData } from '@vfmkit/vit-encoder';

/**
 * ONNX building blocks shared by the video tower and the student video exports: nn's dense, layer norm,
 * pre-norm transformer block and one-query attention pool, written into a `GraphBuilder` from weights
 * by name (PyTorch layout, linear weights `[OUT, IN]`). Each computes what the tfjs layer of the same
 * name computes.
 */

/** nn's `dense`: `x @ W^T + b` with `${name}.weight` `[out, inp]` and `${name}.bias` `[out]` (when `bias`). */
export function appendLinear(
  g: GraphBuilder,
  weights: NamedWeights,
  x: string,
  name: string,
  out: number,
  inp: number,
  bias = true,
): string {
  return g.linear(
    x,
    transposed(weightData(weights, `${name}.weight`), out, inp),
    [inp, out],
    bias ? weightData(weights, `${name}.bias`) : undefined,
    name,
  );
}

/** nn's `layerNorm` over the last axis with `${name}.weight` and `${name}.bias` `[width]`. */
export function appendLayerNorm(
  g: GraphBuilder,
  weights: NamedWeights,
  x: string,
  name: string,
  width: number,
  epsilon: number,
): string {
  return g.layerNorm(
    x,
    g.f32(weightData(weights, `${name}.weight`), [width], `${name}.weight`),
    g.f32(weightData(weights, `${name}.bias`), [width], `${name}.bias`),
    { epsilon },
  );
}

/** Sizes of one transformer block or attention pool. */
export interface BlockSize {
  readonly width: number;
  readonly heads: number;
  /** Hidden size of the MLP. */
  readonly hidden: number;
  /** Layer-norm epsilon. */
  readonly eps: number;
}

/**
 * nn's `transformerBlock` (timm names): `x + attn.proj(attn(norm1(x)))`, then `x + mlp(norm2(x))` with
 * exact GELU. `attention: 'matmul'` writes attention as MatMul + Softmax + MatMul; `'fused'` uses ONNX
 * Runtime's `com.microsoft.MultiHeadAttention` (the qkv bias inside it), as the ViT export does.
 * @param x `[B, N, width]`
 * @returns `[B, N, width]`
 */
export function appendTransformerBlock(
  g: GraphBuilder,
  weights: NamedWeights,
  x: string,
  name: string,
  size: BlockSize,
  attention: 'matmul' | 'fused',
): string {
  const { width: d, heads, hidden, eps } = size;
  const dh = d / heads;
  const h = appendLayerNorm(g, weights, x, `${name}.norm1`, d, eps);
  let merged: string;
  if (attention === 'fused') {
    const qkv = appendLinear(g, weights, h, `${name}.attn.qkv`, 3 * d, d, false);
    const [q, k, v] = g.node('Split', [qkv], { axis: attr.int(2) }, { outputs: 3 });
    const bias = g.f32(weightData(weights, `${name}.attn.qkv.bias`), [3 * d], `${name}.attn.qkv.bias`);
    merged = g.node(
      'MultiHeadAttention',
      [q, k, v, bias],
      { num_heads: attr.int(heads) },
      { domain: 'com.microsoft' },
    )[0];
  } else {
    const qkv = appendLinear(g, weights, h, `${name}.attn.qkv`, 3 * d, d);
    const [q, k, v] = g.node('Split', [qkv], { axis: attr.int(2) }, { outputs: 3 });
    const split = (t: string, perm: readonly number[]) => g.transpose(g.reshape(t, [0, 0, heads, dh]), perm);
    const qh = g.mul(split(q, [0, 2, 1, 3]), g.scalar(1 / Math.sqrt(dh)));
    const att = g.matmul(g.softmax(g.matmul(qh, split(k, [0, 2, 3, 1])), -1), split(v, [0, 2, 1, 3]));
    merged = g.reshape(g.transpose(att, [0, 2, 1, 3]), [0, 0, d]);
  }
  const mid = g.add(x, appendLinear(g, weights, merged, `${name}.attn.proj`, d, d));
  const normed = appendLayerNorm(g, weights, mid, `${name}.norm2`, d, eps);
  const act = g.gelu(appendLinear(g, weights, normed, `${name}.mlp.fc1`, hidden, d));
  return g.add(mid, appendLinear(g, weights, act, `${name}.mlp.fc2`, d, hidden));
}

/**
 * nn's `attentionPool` with one learned query (timm's `AttentionPoolLatent`): `${name}.latent` attends
 * over the tokens (`q`, `kv`, `proj`), then `x + mlp(norm(x))`. The query projection depends only on
 * weights, so it is folded into a constant `[1, H, 1, dh]` (float64 sums); attention is MatMul +
 * Softmax + MatMul.
 * @param tokens `[B, N, width]`
 * @returns `[B, width]`
 */
export function appendAttentionPool(
  g: GraphBuilder,
  weights: NamedWeights,
  tokens: string,
  name: string,
  size: BlockSize,
): string {
  const { width: d, heads, hidden, eps } = size;
  const dh = d / heads;
  // q = latent W_q^T + b_q, scaled by 1 / sqrt(dh): [1, H, 1, dh] (head h = q[h*dh .. h*dh+dh)).
  const latent = weightData(weights, `${name}.latent`);
  const wq = weightData(weights, `${name}.q.weight`);
  const bq = weightData(weights, `${name}.q.bias`);
  const q = new Float32Array(d);
  for (let o = 0; o < d; o++) {
    let s = bq[o];
    for (let i = 0; i < d; i++) s += latent[i] * wq[o * d + i];
    q[o] = s / Math.sqrt(dh);
  }
  const kv = appendLinear(g, weights, tokens, `${name}.kv`, 2 * d, d);
  const [k, v] = g.node('Split', [kv], { axis: attr.int(2) }, { outputs: 2 });
  const kt = g.transpose(g.reshape(k, [0, 0, heads, dh]), [0, 2, 3, 1]); // [B, H, dh, N]
  const vh = g.transpose(g.reshape(v, [0, 0, heads, dh]), [0, 2, 1, 3]); // [B, H, N, dh]
  const scores = g.matmul(g.f32(q, [1, heads, 1, dh], `${name}.query`), kt); // [B, H, 1, N]
  const att = g.matmul(g.softmax(scores, -1), vh); // [B, H, 1, dh]
  const merged = g.reshape(g.transpose(att, [0, 2, 1, 3]), [0, 1, d]); // [B, 1, D]
  const x = appendLinear(g, weights, merged, `${name}.proj`, d, d);
  const normed = appendLayerNorm(g, weights, x, `${name}.norm`, d, eps);
  const act = g.gelu(appendLinear(g, weights, normed, `${name}.mlp.fc1`, hidden, d));
  return g.reshape(g.add(x, appendLinear(g, weights, act, `${name}.mlp.fc2`, d, hidden)), [0, d]);
}
