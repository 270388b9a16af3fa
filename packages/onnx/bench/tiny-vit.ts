import { Rng } from '@vfmkit/core';
import { GraphBuilder, type GraphBuilderOptions } from '../src/index';

/** Size of a small ViT encoder: `depth` blocks of width `width` with `heads` heads over `tokens` tokens. */
export interface TinyVitConfig {
  tokens: number;
  width: number;
  heads: number;
  depth: number;
  mlpRatio: number;
}

function randn(rng: Rng, n: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * scale;
  return out;
}

/**
 * A ViT encoder over tokens `[batch, N, D]` with random weights: pre-norm blocks of LayerNorm ->
 * multi-head attention (MatMul / Softmax) -> LayerNorm -> MLP with exact GELU, then mean pooling to
 * `[batch, D]`. Used by the benchmark, the GPU check and the demo.
 */
export function buildTinyVit(c: TinyVitConfig, options: GraphBuilderOptions = {}, seed = 0): GraphBuilder {
  const rng = new Rng(seed);
  const { width: d, heads: h, tokens: n } = c;
  const hd = d / h;
  const g = new GraphBuilder({ ...options, config: c });
  const ones = g.f32(new Float32Array(d).fill(1), [d]);
  const zeros = g.f32(new Float32Array(d), [d]);
  let x = g.input('tokens', 'float32', ['batch', n, d]);
  for (let b = 0; b < c.depth; b++) {
    x = g.scope(`block${b}`, () => {
      const y = g.layerNorm(x, ones, zeros, { epsilon: 1e-6 });
      const qkv = g.linear(
        y,
        randn(rng, d * 3 * d, d ** -0.5),
        [d, 3 * d],
        randn(rng, 3 * d, 0.02),
        `block${b}.qkv`,
      );
      // [B, N, 3D] -> [B, N, 3, H, hd] -> [3, B, H, N, hd]
      const split = g.transpose(g.reshape(qkv, [0, n, 3, h, hd]), [2, 0, 3, 1, 4]);
      const q = g.squeeze(g.slice(split, [0], [1], [0]), [0]);
      const k = g.squeeze(g.slice(split, [1], [2], [0]), [0]);
      const v = g.squeeze(g.slice(split, [2], [3], [0]), [0]);
      const scores = g.mul(g.matmul(q, g.transpose(k, [0, 1, 3, 2])), g.scalar(hd ** -0.5));
      const att = g.matmul(g.softmax(scores), v); // [B, H, N, hd]
      const merged = g.reshape(g.transpose(att, [0, 2, 1, 3]), [0, n, d]);
      const x1 = g.add(
        x,
        g.linear(merged, randn(rng, d * d, d ** -0.5), [d, d], undefined, `block${b}.proj`),
      );
      const y2 = g.layerNorm(x1, ones, zeros, { epsilon: 1e-6 });
      const hid = c.mlpRatio * d;
      const m = g.gelu(
        g.linear(y2, randn(rng, d * hid, d ** -0.5), [d, hid], randn(rng, hid, 0.02), `block${b}.fc1`),
      );
      return g.add(
        x1,
        g.linear(m, randn(rng, hid * d, hid ** -0.5), [hid, d], randn(rng, d, 0.02), `block${b}.fc2`),
      );
    });
  }
  g.output(g.reduceMean(g.layerNorm(x, ones, zeros, { epsilon: 1e-6 }), [1], false), 'float32', {
    name: 'embedding',
    dims: ['batch', d],
  });
  return g;
}
