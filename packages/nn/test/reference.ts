/**
 * Float64 re-implementations of the layers, written independently of tfjs (plain loops), used as the
 * reference for forward values and, through central differences, for gradients.
 */
import { Rng } from '@vfmkit/core';
import { initBackend, type Params, tf } from '../src/index';

export type P64 = Map<string, Float64Array>;

export async function useWasm(): Promise<void> {
  await initBackend({ backend: 'wasm', log: null });
}

export function randn(n: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.normal() * scale);
}

export function toP64(params: Params): P64 {
  const out: P64 = new Map();
  for (const [k, v] of params) out.set(k, Float64Array.from(v.dataSync()));
  return out;
}

/** Randomises every parameter (so zero-initialised ones like LoRA B are exercised too). */
export function randomize(params: Params, seed: number, scale = 0.3): void {
  let s = seed;
  for (const v of params.values()) v.assign(tf.tensor(randn(v.size, s++, scale), v.shape));
}

export function linear(
  x: Float64Array,
  m: number,
  inD: number,
  w: Float64Array,
  outD: number,
  b?: Float64Array,
) {
  const y = new Float64Array(m * outD);
  for (let i = 0; i < m; i++)
    for (let o = 0; o < outD; o++) {
      let s = b ? b[o] : 0;
      for (let k = 0; k < inD; k++) s += x[i * inD + k] * w[o * inD + k];
      y[i * outD + o] = s;
    }
  return y;
}

export function dense(
  P: P64,
  name: string,
  x: Float64Array,
  m: number,
  inD: number,
  loraScale = 1,
): Float64Array {
  const w = P.get(`${name}.weight`) as Float64Array;
  const outD = w.length / inD;
  const y = linear(x, m, inD, w, outD, P.get(`${name}.bias`));
  const a = P.get(`${name}.lora_A.weight`);
  if (a) {
    const r = a.length / inD;
    const h = linear(x, m, inD, a, r);
    const low = linear(h, m, r, P.get(`${name}.lora_B.weight`) as Float64Array, outD);
    for (let i = 0; i < y.length; i++) y[i] += loraScale * low[i];
  }
  return y;
}

export function layerNorm(P: P64, name: string, x: Float64Array, m: number, d: number, eps = 1e-6) {
  const g = P.get(`${name}.weight`) as Float64Array;
  const b = P.get(`${name}.bias`) as Float64Array;
  const y = new Float64Array(x.length);
  for (let i = 0; i < m; i++) {
    let mean = 0;
    for (let k = 0; k < d; k++) mean += x[i * d + k];
    mean /= d;
    let v = 0;
    for (let k = 0; k < d; k++) v += (x[i * d + k] - mean) ** 2;
    v /= d;
    for (let k = 0; k < d; k++) y[i * d + k] = ((x[i * d + k] - mean) / Math.sqrt(v + eps)) * g[k] + b[k];
  }
  return y;
}

/** erf by its Maclaurin series (float64-accurate to ~1e-12 for |x| < 4), 1 beyond. */
export function erf(x: number): number {
  if (Math.abs(x) >= 4) return Math.sign(x);
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

export const gelu = (x: Float64Array) => x.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2)));

export function mlp(P: P64, name: string, x: Float64Array, m: number, d: number): Float64Array {
  const h = gelu(dense(P, `${name}.fc1`, x, m, d));
  const hidden = h.length / m;
  return dense(P, `${name}.fc2`, h, m, hidden);
}

/** q `[B, NQ, D]`, k/v `[B, NK, D]` -> `[B, NQ, D]`. */
export function attention(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  b: number,
  nq: number,
  nk: number,
  d: number,
  heads: number,
) {
  const dh = d / heads;
  const out = new Float64Array(b * nq * d);
  const s = new Float64Array(nk);
  for (let bi = 0; bi < b; bi++)
    for (let h = 0; h < heads; h++)
      for (let i = 0; i < nq; i++) {
        let max = -Infinity;
        for (let j = 0; j < nk; j++) {
          let dot = 0;
          for (let c = 0; c < dh; c++)
            dot += q[(bi * nq + i) * d + h * dh + c] * k[(bi * nk + j) * d + h * dh + c];
          s[j] = dot / Math.sqrt(dh);
          max = Math.max(max, s[j]);
        }
        let z = 0;
        for (let j = 0; j < nk; j++) {
          s[j] = Math.exp(s[j] - max);
          z += s[j];
        }
        for (let c = 0; c < dh; c++) {
          let acc = 0;
          for (let j = 0; j < nk; j++) acc += (s[j] / z) * v[(bi * nk + j) * d + h * dh + c];
          out[(bi * nq + i) * d + h * dh + c] = acc;
        }
      }
  return out;
}

function splitLast(x: Float64Array, m: number, parts: number): Float64Array[] {
  const w = x.length / m / parts;
  return Array.from({ length: parts }, (_, p) => {
    const o = new Float64Array(m * w);
    for (let i = 0; i < m; i++) for (let c = 0; c < w; c++) o[i * w + c] = x[i * w * parts + p * w + c];
    return o;
  });
}

export function selfAttention(
  P: P64,
  name: string,
  x: Float64Array,
  b: number,
  n: number,
  d: number,
  heads: number,
) {
  const [q, k, v] = splitLast(dense(P, `${name}.qkv`, x, b * n, d), b * n, 3);
  return dense(P, `${name}.proj`, attention(q, k, v, b, n, n, d, heads), b * n, d);
}

export function crossAttention(
  P: P64,
  name: string,
  x: Float64Array,
  ctx: Float64Array,
  b: number,
  nq: number,
  nk: number,
  d: number,
  heads: number,
) {
  const q = dense(P, `${name}.q`, x, b * nq, d);
  const [k, v] = splitLast(dense(P, `${name}.kv`, ctx, b * nk, d), b * nk, 2);
  return dense(P, `${name}.proj`, attention(q, k, v, b, nq, nk, d, heads), b * nq, d);
}

const add = (a: Float64Array, b: Float64Array) => a.map((v, i) => v + b[i]);

export function block(P: P64, name: string, x: Float64Array, b: number, n: number, d: number, heads: number) {
  const h = add(
    x,
    selfAttention(P, `${name}.attn`, layerNorm(P, `${name}.norm1`, x, b * n, d), b, n, d, heads),
  );
  let m = mlp(P, `${name}.mlp`, layerNorm(P, `${name}.norm2`, h, b * n, d), b * n, d);
  if (P.has(`${name}.adapter.down.weight`)) m = add(m, mlp2(P, `${name}.adapter`, m, b * n, d));
  return add(h, m);
}

function mlp2(P: P64, name: string, x: Float64Array, m: number, d: number) {
  const h = gelu(dense(P, `${name}.down`, x, m, d));
  return dense(P, `${name}.up`, h, m, h.length / m);
}

export function attentionPool(
  P: P64,
  name: string,
  x: Float64Array,
  b: number,
  n: number,
  d: number,
  heads: number,
) {
  const latent = P.get(`${name}.latent`) as Float64Array;
  const qn = latent.length / d;
  const q = new Float64Array(b * qn * d);
  for (let bi = 0; bi < b; bi++) q.set(latent, bi * qn * d);
  const y = crossAttention(P, name, q, x, b, qn, n, d, heads);
  return add(y, mlp(P, `${name}.mlp`, layerNorm(P, `${name}.norm`, y, b * qn, d), b * qn, d));
}

/** Largest |a - b| / (atol + |b|)-style error: max |a - b| relative to max |b|. */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 1e-12;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

/** Central-difference gradient of `f` at `x` (float64), for every coordinate. */
export function numericGrad(f: (x: Float64Array) => number, x: Float64Array, h = 1e-5): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const old = x[i];
    x[i] = old + h;
    const up = f(x);
    x[i] = old - h;
    const down = f(x);
    x[i] = old;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

/** `sum(y * r)`: a scalar whose gradient w.r.t. y is r, to probe every output. */
export const dotWith = (y: Float64Array, r: Float64Array) => y.reduce((s, v, i) => s + v * r[i], 0);
