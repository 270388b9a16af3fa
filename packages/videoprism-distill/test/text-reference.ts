/**
 * A float64 re-computation of the text encoder, written from its definition with plain loops,
 * independently of the tfjs and ONNX code under test. Padded keys are left out of each softmax (rather
 * than biased), so the reference also checks the masking.
 */
import { Rng } from '@vfmkit/core';

export type W64 = Map<string, { shape: number[]; data: Float64Array }>;

export interface RefConfig {
  vocabSize: number;
  maxLength: number;
  width: number;
  depth: number;
  heads: number;
  mlpRatio: number;
  embedDim: number;
  pooling: 'mean' | 'first';
}

/** erf to ~1e-13 (Taylor series; |x| > 6 saturates). */
export function erf64(x: number): number {
  if (Math.abs(x) > 6) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

function linear(w: W64, name: string, x: number[]): number[] {
  const W = w.get(`${name}.weight`) as { shape: number[]; data: Float64Array };
  const b = w.get(`${name}.bias`)?.data;
  const [out, inp] = W.shape;
  const y: number[] = [];
  for (let o = 0; o < out; o++) {
    let s = b ? b[o] : 0;
    for (let i = 0; i < inp; i++) s += W.data[o * inp + i] * x[i];
    y.push(s);
  }
  return y;
}

function norm(w: W64, name: string, x: number[], eps = 1e-6): number[] {
  const n = x.length;
  const mean = x.reduce((s, v) => s + v, 0) / n;
  const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
  const g = (w.get(`${name}.weight`) as { data: Float64Array }).data;
  const b = (w.get(`${name}.bias`) as { data: Float64Array }).data;
  return x.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * g[i] + b[i]);
}

/** The encoder on one caption: `ids` and `mask` of length L; returns `[embedDim]`. */
export function textEncoder64(w: W64, c: RefConfig, ids: number[], mask: number[]): number[] {
  const d = c.width;
  const dh = d / c.heads;
  const tok = (w.get('token_embed.weight') as { data: Float64Array }).data;
  const pos = (w.get('pos_embed') as { data: Float64Array }).data;
  let x = ids.map((id, t) => Array.from({ length: d }, (_, j) => tok[id * d + j] + pos[t * d + j]));
  const real = mask.map((m, i) => (m > 0 ? i : -1)).filter((i) => i >= 0);
  for (let blk = 0; blk < c.depth; blk++) {
    const p = `blocks.${blk}`;
    const qkv = x.map((row) => linear(w, `${p}.attn.qkv`, norm(w, `${p}.norm1`, row)));
    const attended = qkv.map((qrow) => {
      const out = new Array(d).fill(0);
      for (let h = 0; h < c.heads; h++) {
        const scores = real.map((k) => {
          let s = 0;
          for (let j = 0; j < dh; j++) s += qrow[h * dh + j] * qkv[k][d + h * dh + j];
          return s / Math.sqrt(dh);
        });
        const mx = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - mx));
        const z = e.reduce((a, b) => a + b, 0);
        real.forEach((k, r) => {
          for (let j = 0; j < dh; j++) out[h * dh + j] += (e[r] / z) * qkv[k][2 * d + h * dh + j];
        });
      }
      return out;
    });
    x = x.map((row, t) => {
      const a = linear(w, `${p}.attn.proj`, attended[t]);
      const h1 = row.map((v, j) => v + a[j]);
      const hidden = linear(w, `${p}.mlp.fc1`, norm(w, `${p}.norm2`, h1)).map(
        (v) => 0.5 * v * (1 + erf64(v / Math.SQRT2)),
      );
      const m = linear(w, `${p}.mlp.fc2`, hidden);
      return h1.map((v, j) => v + m[j]);
    });
  }
  const tokens = x.map((row) => norm(w, 'norm', row));
  let pooled: number[];
  if (c.pooling === 'first') pooled = tokens[0];
  else {
    pooled = new Array(d).fill(0);
    for (const t of real) for (let j = 0; j < d; j++) pooled[j] += tokens[t][j] / real.length;
  }
  return linear(w, 'proj', pooled);
}

/** Random weights with the given specs: every tensor ~ N(0, scale), norm scales around 1. */
export function randomWeights(
  specs: readonly { name: string; shape: readonly number[] }[],
  seed: number,
  scale = 0.3,
): Map<string, { shape: number[]; data: Float32Array }> {
  const rng = new Rng(seed);
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const isNormScale = /norm\d?\.weight$/.test(s.name);
    const data = Float32Array.from({ length: n }, () => (isNormScale ? 1 : 0) + rng.normal() * scale);
    out.set(s.name, { shape: [...s.shape], data });
  }
  return out;
}

/** Float64 copies of float32 weights. */
export function to64(w: Map<string, { shape: readonly number[]; data: Float32Array }>): W64 {
  const out: W64 = new Map();
  for (const [k, v] of w) out.set(k, { shape: [...v.shape], data: Float64Array.from(v.data) });
  return out;
}
