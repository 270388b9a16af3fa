/**
 * An independent float64 re-computation of the encoder and the MAE decoder from named weights, written
 * from the definitions (pre-norm ViT blocks, exact GELU, VideoMAE's loss), for tests only.
 */
import type { ClipBatch } from '@vfmkit/core';
import {
  type MaeDecoderConfig,
  type NamedWeights,
  patchify,
  type VitConfig,
  vitTokenGrid,
} from '../src/index';

type M = Float64Array; // row-major [rows, cols]

function erf(x: number): number {
  const a = Math.abs(x);
  let r: number;
  if (a < 2.5) {
    let term = a;
    let sum = a;
    for (let n = 1; n < 80; n++) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    let f = a;
    for (let k = 60; k >= 1; k--) f = a + k / 2 / f;
    r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  }
  return x < 0 ? -r : r;
}

const w64 = (w: NamedWeights, name: string): M => {
  const t = w.get(name);
  if (!t) throw new Error(`reference: missing ${name}`);
  return Float64Array.from(t.data);
};

/** x [n, in] @ W^T (W [out, in]) + b. */
function linear(x: M, n: number, inp: number, w: M, out: number, b?: M): M {
  const y = new Float64Array(n * out);
  for (let r = 0; r < n; r++)
    for (let o = 0; o < out; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < inp; i++) s += x[r * inp + i] * w[o * inp + i];
      y[r * out + o] = s;
    }
  return y;
}

function layerNorm(x: M, n: number, d: number, g: M, b: M, eps: number): M {
  const y = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    let mean = 0;
    for (let j = 0; j < d; j++) mean += x[r * d + j] / d;
    let v = 0;
    for (let j = 0; j < d; j++) v += (x[r * d + j] - mean) ** 2 / d;
    for (let j = 0; j < d; j++) y[r * d + j] = ((x[r * d + j] - mean) / Math.sqrt(v + eps)) * g[j] + b[j];
  }
  return y;
}

/** One pre-norm block over one clip's n tokens. */
function block(
  x: M,
  n: number,
  d: number,
  heads: number,
  mlp: number,
  w: NamedWeights,
  p: string,
  eps: number,
): M {
  const h = layerNorm(x, n, d, w64(w, `${p}.norm1.weight`), w64(w, `${p}.norm1.bias`), eps);
  const qkvB = w.has(`${p}.attn.qkv.bias`) ? w64(w, `${p}.attn.qkv.bias`) : undefined;
  const qkv = linear(h, n, d, w64(w, `${p}.attn.qkv.weight`), 3 * d, qkvB);
  const dh = d / heads;
  const att = new Float64Array(n * d);
  for (let hd = 0; hd < heads; hd++) {
    for (let i = 0; i < n; i++) {
      const s = new Float64Array(n);
      let max = -Infinity;
      for (let j = 0; j < n; j++) {
        let dot = 0;
        for (let k = 0; k < dh; k++) dot += qkv[i * 3 * d + hd * dh + k] * qkv[j * 3 * d + d + hd * dh + k];
        s[j] = dot / Math.sqrt(dh);
        max = Math.max(max, s[j]);
      }
      let z = 0;
      for (let j = 0; j < n; j++) {
        s[j] = Math.exp(s[j] - max);
        z += s[j];
      }
      for (let k = 0; k < dh; k++) {
        let acc = 0;
        for (let j = 0; j < n; j++) acc += (s[j] / z) * qkv[j * 3 * d + 2 * d + hd * dh + k];
        att[i * d + hd * dh + k] = acc;
      }
    }
  }
  const proj = linear(att, n, d, w64(w, `${p}.attn.proj.weight`), d, w64(w, `${p}.attn.proj.bias`));
  const x1 = x.map((v, i) => v + proj[i]);
  const h2 = layerNorm(x1, n, d, w64(w, `${p}.norm2.weight`), w64(w, `${p}.norm2.bias`), eps);
  const f1 = linear(h2, n, d, w64(w, `${p}.mlp.fc1.weight`), mlp, w64(w, `${p}.mlp.fc1.bias`)).map(
    (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
  );
  const f2 = linear(f1, n, mlp, w64(w, `${p}.mlp.fc2.weight`), d, w64(w, `${p}.mlp.fc2.bias`));
  return x1.map((v, i) => v + f2[i]);
}

function sincos(n: number, d: number): M {
  const out = new Float64Array(n * d);
  for (let pos = 0; pos < n; pos++)
    for (let j = 0; j < d; j++) {
      const a = pos / 10000 ** ((2 * Math.floor(j / 2)) / d);
      out[pos * d + j] = j % 2 === 0 ? Math.sin(a) : Math.cos(a);
    }
  return out;
}

/**
 * Encoder tokens per clip (`[K, D]` each; all N tokens without `visible`) at the training grid,
 * learned or sin-cos positions.
 */
export function referenceEncoder(
  config: VitConfig,
  w: NamedWeights,
  clips: ClipBatch,
  visible?: Int32Array,
): M[] {
  const [b, , , , c] = clips.shape;
  const grid = vitTokenGrid(config);
  const n = grid.t * grid.h * grid.w;
  const d = config.width;
  const kdim = config.tubelet[0] * config.tubelet[1] * config.tubelet[2] * c;
  const rows = patchify(clips.data, clips.shape, config.tubelet);
  const pos = config.posEmbed === 'learned' ? w64(w, 'pos_embed') : sincos(n, d);
  const out: M[] = [];
  for (let bi = 0; bi < b; bi++) {
    const px = new Float64Array(n * kdim);
    for (let i = 0; i < n * kdim; i++) {
      const ch = i % c;
      px[i] = (rows[bi * n * kdim + i] - config.pixelMean[ch]) / config.pixelStd[ch];
    }
    const emb = linear(px, n, kdim, w64(w, 'patch_embed.weight'), d, w64(w, 'patch_embed.bias')).map(
      (v, i) => v + pos[i],
    );
    const ids = visible
      ? Array.from(visible.subarray((bi * visible.length) / b, ((bi + 1) * visible.length) / b))
      : [...Array(n).keys()];
    let x: M = new Float64Array(ids.length * d);
    for (const [r, id] of ids.entries()) x.set(emb.subarray(id * d, (id + 1) * d), r * d);
    for (let i = 0; i < config.depth; i++)
      x = block(x, ids.length, d, config.heads, config.mlpDim, w, `blocks.${i}`, config.layerNormEps);
    if (config.finalNorm === 'tokens')
      x = layerNorm(x, ids.length, d, w64(w, 'norm.weight'), w64(w, 'norm.bias'), config.layerNormEps);
    out.push(x);
  }
  return out;
}

/** VideoMAE's pixel target of one patch row: (x - mean) / sqrt(unbiased var + 1e-6). */
function normPatch(row: ArrayLike<number>): M {
  const k = row.length;
  let mean = 0;
  for (let j = 0; j < k; j++) mean += row[j] / k;
  let v = 0;
  for (let j = 0; j < k; j++) v += (row[j] - mean) ** 2;
  const std = Math.sqrt(v / (k - 1) + 1e-6);
  return Float64Array.from(row, (x) => (x - mean) / std);
}

/** The MAE loss in float64 (pixel targets normalised per patch, or token ids). */
export function referenceMaeLoss(
  config: VitConfig,
  dec: MaeDecoderConfig,
  w: NamedWeights,
  clips: ClipBatch,
  visible: Int32Array,
  decode: Int32Array,
  tokenIds?: Int32Array,
): number {
  const b = clips.shape[0];
  const grid = vitTokenGrid(config);
  const n = grid.t * grid.h * grid.w;
  const dw = dec.width;
  const kdim = config.tubelet[0] * config.tubelet[1] * config.tubelet[2] * clips.shape[4];
  const enc = referenceEncoder(config, w, clips, visible);
  const pos = dec.posEmbed === 'learned' ? w64(w, 'decoder.pos_embed') : sincos(n, dw);
  const mask = w64(w, 'decoder.mask_token');
  const rows = patchify(clips.data, clips.shape, config.tubelet);
  const k = visible.length / b;
  const kd = decode.length / b;
  let total = 0;
  let count = 0;
  for (let bi = 0; bi < b; bi++) {
    const vis = linear(
      enc[bi],
      k,
      config.width,
      w64(w, 'decoder.embed.weight'),
      dw,
      w64(w, 'decoder.embed.bias'),
    );
    const x = new Float64Array((k + kd) * dw);
    for (let r = 0; r < k; r++)
      for (let j = 0; j < dw; j++) x[r * dw + j] = vis[r * dw + j] + pos[visible[bi * k + r] * dw + j];
    for (let r = 0; r < kd; r++)
      for (let j = 0; j < dw; j++) x[(k + r) * dw + j] = mask[j] + pos[decode[bi * kd + r] * dw + j];
    let h: M = x;
    for (let i = 0; i < dec.depth; i++)
      h = block(h, k + kd, dw, dec.heads, dec.mlpDim, w, `decoder.blocks.${i}`, dec.layerNormEps);
    const tail = layerNorm(
      h.subarray(k * dw),
      kd,
      dw,
      w64(w, 'decoder.norm.weight'),
      w64(w, 'decoder.norm.bias'),
      dec.layerNormEps,
    );
    const outDim = dec.target === 'tokens' ? (dec.vocabSize as number) : kdim;
    const pred = linear(tail, kd, dw, w64(w, 'decoder.head.weight'), outDim, w64(w, 'decoder.head.bias'));
    for (let r = 0; r < kd; r++) {
      const id = decode[bi * kd + r];
      const p = pred.subarray(r * outDim, (r + 1) * outDim);
      if (dec.target === 'tokens') {
        const max = Math.max(...p);
        const lse = max + Math.log(p.reduce((s, v) => s + Math.exp(v - max), 0));
        total += lse - p[(tokenIds as Int32Array)[bi * n + id]];
        count += 1;
      } else {
        const raw = rows.subarray((bi * n + id) * kdim, (bi * n + id + 1) * kdim);
        const target = dec.normPixels ? normPatch(raw) : Float64Array.from(raw);
        for (let j = 0; j < kdim; j++) total += (p[j] - target[j]) ** 2;
        count += kdim;
      }
    }
  }
  return total / count;
}
