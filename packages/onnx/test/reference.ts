/**
 * Float64 reference implementations of the ONNX ops the builder emits, written from the ONNX operator
 * definitions with plain loops. Tests and benchmarks compare ONNX Runtime's results against these.
 * Tensors are `{ data, dims }` with row-major `Float64Array` data.
 */
export interface Ref {
  data: Float64Array;
  dims: number[];
}

export const ref = (data: ArrayLike<number>, dims: readonly number[]): Ref => ({
  data: Float64Array.from(data),
  dims: [...dims],
});

const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1] * dims[i + 1];
  return s;
}

function unravel(i: number, dims: readonly number[]): number[] {
  const idx = new Array<number>(dims.length);
  for (let d = dims.length - 1; d >= 0; d--) {
    idx[d] = i % dims[d];
    i = Math.floor(i / dims[d]);
  }
  return idx;
}

function broadcastDims(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`cannot broadcast [${a}] and [${b}]`);
    out.push(Math.max(x, y));
  }
  return out;
}

/** Index into `dims` (right-aligned, size-1 dims broadcast) for an output index `idx`. */
function bIndex(idx: readonly number[], dims: readonly number[]): number {
  const s = strides(dims);
  let o = 0;
  const off = idx.length - dims.length;
  for (let d = 0; d < dims.length; d++) o += (dims[d] === 1 ? 0 : idx[off + d]) * s[d];
  return o;
}

/** Elementwise op with numpy broadcasting over any number of inputs. */
export function elementwise(inputs: readonly Ref[], f: (...v: number[]) => number): Ref {
  const dims = inputs.map((t) => t.dims).reduce(broadcastDims);
  const out = new Float64Array(size(dims));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, dims);
    out[i] = f(...inputs.map((t) => t.data[bIndex(idx, t.dims)]));
  }
  return { data: out, dims };
}

/** Batched matmul `[..., M, K] x [..., K, N]` with broadcast batch dims. */
export function matmul(a: Ref, b: Ref): Ref {
  const [m, k] = a.dims.slice(-2);
  const [k2, n] = b.dims.slice(-2);
  if (k !== k2) throw new Error('matmul: inner dims differ');
  const batch = broadcastDims(a.dims.slice(0, -2), b.dims.slice(0, -2));
  const dims = [...batch, m, n];
  const out = new Float64Array(size(dims));
  for (let bi = 0; bi < size(batch); bi++) {
    const idx = unravel(bi, batch);
    const ao = bIndex(idx, a.dims.slice(0, -2)) * m * k;
    const bo = bIndex(idx, b.dims.slice(0, -2)) * k * n;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a.data[ao + i * k + p] * b.data[bo + p * n + j];
        out[bi * m * n + i * n + j] = s;
      }
  }
  return { data: out, dims };
}

export function transpose(x: Ref, perm: readonly number[]): Ref {
  const dims = perm.map((p) => x.dims[p]);
  const s = strides(x.dims);
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, dims);
    let o = 0;
    for (let d = 0; d < perm.length; d++) o += idx[d] * s[perm[d]];
    out[i] = x.data[o];
  }
  return { data: out, dims };
}

/** Applies `f` to each 1-D lane along the last axis. */
function lanes(x: Ref, f: (lane: Float64Array) => ArrayLike<number>): Ref {
  const n = x.dims[x.dims.length - 1];
  const out = new Float64Array(x.data.length);
  for (let o = 0; o < x.data.length; o += n) out.set(f(x.data.subarray(o, o + n)), o);
  return { data: out, dims: [...x.dims] };
}

export const softmax = (x: Ref) =>
  lanes(x, (v) => {
    const m = Math.max(...v);
    const e = v.map((t) => Math.exp(t - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((t) => t / s);
  });

export const layerNorm = (x: Ref, scale: ArrayLike<number>, bias: ArrayLike<number>, eps: number) =>
  lanes(x, (v) => {
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const vr = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
    return v.map((t, i) => ((t - mean) / Math.sqrt(vr + eps)) * scale[i] + bias[i]);
  });

/** erf to ~1e-15: Taylor series below 3, continued fraction for erfc above. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-ax * ax) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))), evaluated bottom-up.
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

export const gelu = (x: Ref) => elementwise([x], (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)));

export function gather(x: Ref, indices: readonly number[], idxDims: readonly number[], axis: number): Ref {
  const dims = [...x.dims.slice(0, axis), ...idxDims, ...x.dims.slice(axis + 1)];
  const outer = size(x.dims.slice(0, axis));
  const inner = size(x.dims.slice(axis + 1));
  const n = x.dims[axis];
  const out = new Float64Array(size(dims));
  let o = 0;
  for (let a = 0; a < outer; a++)
    for (const raw of indices) {
      const j = raw < 0 ? raw + n : raw;
      for (let c = 0; c < inner; c++) out[o++] = x.data[(a * n + j) * inner + c];
    }
  return { data: out, dims };
}

/** Slice with positive steps and clamped, non-negative starts/ends (enough for the tests). */
export function slice(x: Ref, starts: number[], ends: number[], axes: number[], steps: number[]): Ref {
  const lo = x.dims.map(() => 0);
  const hi = [...x.dims];
  const st = x.dims.map(() => 1);
  axes.forEach((a, i) => {
    lo[a] = Math.min(starts[i], x.dims[a]);
    hi[a] = Math.min(ends[i], x.dims[a]);
    st[a] = steps[i];
  });
  const dims = x.dims.map((_, d) => Math.max(0, Math.ceil((hi[d] - lo[d]) / st[d])));
  const s = strides(x.dims);
  const out = new Float64Array(size(dims));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, dims);
    out[i] = x.data[idx.reduce((o, v, d) => o + (lo[d] + v * st[d]) * s[d], 0)];
  }
  return { data: out, dims };
}

export function concat(xs: readonly Ref[], axis: number): Ref {
  const dims = [...xs[0].dims];
  dims[axis] = xs.reduce((a, t) => a + t.dims[axis], 0);
  const outer = size(dims.slice(0, axis));
  const out = new Float64Array(size(dims));
  let o = 0;
  for (let a = 0; a < outer; a++)
    for (const t of xs) {
      const chunk = size(t.dims.slice(axis));
      out.set(t.data.subarray(a * chunk, (a + 1) * chunk), o);
      o += chunk;
    }
  return { data: out, dims };
}

export function reduceMean(x: Ref, axes: readonly number[], keepdims: boolean): Ref {
  const kept = x.dims.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = new Float64Array(size(kept));
  const count = size(axes.map((a) => x.dims[a]));
  for (let i = 0; i < x.data.length; i++) {
    const idx = unravel(i, x.dims).map((v, d) => (axes.includes(d) ? 0 : v));
    out[idx.reduce((o, v, d) => o + v * strides(kept)[d], 0)] += x.data[i] / count;
  }
  return { data: out, dims: keepdims ? kept : x.dims.filter((_, i) => !axes.includes(i)) };
}

/** 3-D convolution, `x` `[N, C, D, H, W]`, `w` `[M, C, kD, kH, kW]`, group 1. */
export function conv3d(
  x: Ref,
  w: Ref,
  bias: ArrayLike<number> | undefined,
  stride: number[],
  pad: number[],
): Ref {
  const [n, c, d, h, wd] = x.dims;
  const [m, , kd, kh, kw] = w.dims;
  const od = Math.floor((d + 2 * pad[0] - kd) / stride[0]) + 1;
  const oh = Math.floor((h + 2 * pad[1] - kh) / stride[1]) + 1;
  const ow = Math.floor((wd + 2 * pad[2] - kw) / stride[2]) + 1;
  const dims = [n, m, od, oh, ow];
  const out = new Float64Array(size(dims));
  const xs = strides(x.dims);
  const ws = strides(w.dims);
  let o = 0;
  for (let b = 0; b < n; b++)
    for (let f = 0; f < m; f++)
      for (let z = 0; z < od; z++)
        for (let y = 0; y < oh; y++)
          for (let q = 0; q < ow; q++) {
            let s = bias ? bias[f] : 0;
            for (let ch = 0; ch < c; ch++)
              for (let a = 0; a < kd; a++)
                for (let e = 0; e < kh; e++)
                  for (let g = 0; g < kw; g++) {
                    const zz = z * stride[0] - pad[0] + a;
                    const yy = y * stride[1] - pad[1] + e;
                    const qq = q * stride[2] - pad[2] + g;
                    if (zz < 0 || yy < 0 || qq < 0 || zz >= d || yy >= h || qq >= wd) continue;
                    s +=
                      x.data[b * xs[0] + ch * xs[1] + zz * xs[2] + yy * xs[3] + qq] *
                      w.data[f * ws[0] + ch * ws[1] + a * ws[2] + e * ws[3] + g];
                  }
            out[o++] = s;
          }
  return { data: out, dims };
}

/** Resize of the last two axes of `[N, C, H, W]`: nearest (asymmetric, floor) or linear (half_pixel). */
export function resize2d(x: Ref, outH: number, outW: number, mode: 'nearest' | 'linear'): Ref {
  const [n, c, h, w] = x.dims;
  const dims = [n, c, outH, outW];
  const out = new Float64Array(size(dims));
  const sh = outH / h;
  const sw = outW / w;
  let o = 0;
  for (let p = 0; p < n * c; p++) {
    const base = p * h * w;
    for (let i = 0; i < outH; i++)
      for (let j = 0; j < outW; j++) {
        if (mode === 'nearest') {
          out[o++] =
            x.data[base + Math.min(h - 1, Math.floor(i / sh)) * w + Math.min(w - 1, Math.floor(j / sw))];
          continue;
        }
        const fy = Math.min(Math.max((i + 0.5) / sh - 0.5, 0), h - 1);
        const fx = Math.min(Math.max((j + 0.5) / sw - 0.5, 0), w - 1);
        const y0 = Math.floor(fy);
        const x0 = Math.floor(fx);
        const y1 = Math.min(y0 + 1, h - 1);
        const x1 = Math.min(x0 + 1, w - 1);
        const dy = fy - y0;
        const dx = fx - x0;
        const v = (yy: number, xx: number) => x.data[base + yy * w + xx];
        out[o++] =
          v(y0, x0) * (1 - dy) * (1 - dx) +
          v(y0, x1) * (1 - dy) * dx +
          v(y1, x0) * dy * (1 - dx) +
          v(y1, x1) * dy * dx;
      }
  }
  return { data: out, dims };
}

/** TopK along the last axis: values and indices, largest first (ties: lower index first). */
export function topK(x: Ref, k: number): { values: Ref; indices: number[] } {
  const n = x.dims[x.dims.length - 1];
  const rows = x.data.length / n;
  const values = new Float64Array(rows * k);
  const indices: number[] = [];
  for (let r = 0; r < rows; r++) {
    const order = Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => x.data[r * n + b] - x.data[r * n + a] || a - b,
    );
    for (let i = 0; i < k; i++) {
      values[r * k + i] = x.data[r * n + order[i]];
      indices.push(order[i]);
    }
  }
  return { values: { data: values, dims: [...x.dims.slice(0, -1), k] }, indices };
}

/** Largest absolute difference between two same-length arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
