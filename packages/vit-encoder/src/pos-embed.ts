import { ShapeError, type TokenGrid, tokenCount } from '@vfmkit/core';

/**
 * VideoMAE's fixed positional table `[n, d]` over the flattened token index:
 * angle(pos, j) = pos / 10000^(2 * floor(j / 2) / d); sin on even j, cos on odd j
 * (VideoMAE, `get_sinusoid_encoding_table`). Computed in float64, stored as float32.
 */
export function sincosTable(n: number, d: number): Float32Array {
  const out = new Float32Array(n * d);
  for (let pos = 0; pos < n; pos++) {
    for (let j = 0; j < d; j++) {
      const angle = pos / 10000 ** ((2 * Math.floor(j / 2)) / d);
      out[pos * d + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return out;
}

/** Source indices and weights of linear interpolation from `from` to `to` samples (align_corners = false). */
export function linearWeights(
  from: number,
  to: number,
): { i0: Int32Array; i1: Int32Array; w1: Float64Array } {
  const i0 = new Int32Array(to);
  const i1 = new Int32Array(to);
  const w1 = new Float64Array(to);
  for (let k = 0; k < to; k++) {
    if (from === to) {
      i0[k] = k;
      i1[k] = k;
      continue;
    }
    // PyTorch's F.interpolate(mode='linear', align_corners=False): src = (k + 0.5) * from / to - 0.5, clamped at 0.
    const src = Math.max(0, ((k + 0.5) * from) / to - 0.5);
    const lo = Math.min(Math.floor(src), from - 1);
    i0[k] = lo;
    i1[k] = Math.min(lo + 1, from - 1);
    w1[k] = i1[k] === lo ? 0 : src - lo;
  }
  return { i0, i1, w1 };
}

/**
 * The dense matrix `[N_to, N_from]` that resamples a table over grid `from` (t-major) onto grid `to`
 * trilinearly (PyTorch `F.interpolate(mode='trilinear', align_corners=False)`). `to` equal to `from`
 * gives the identity. Rows sum to 1.
 */
export function gridInterpolationMatrix(from: TokenGrid, to: TokenGrid): Float32Array {
  const nFrom = tokenCount(from);
  const nTo = tokenCount(to);
  const out = new Float32Array(nTo * nFrom);
  const wt = linearWeights(from.t, to.t);
  const wh = linearWeights(from.h, to.h);
  const ww = linearWeights(from.w, to.w);
  let row = 0;
  for (let t = 0; t < to.t; t++) {
    for (let h = 0; h < to.h; h++) {
      for (let w = 0; w < to.w; w++, row++) {
        for (const [st, ft] of [
          [wt.i0[t], 1 - wt.w1[t]],
          [wt.i1[t], wt.w1[t]],
        ]) {
          if (ft === 0) continue;
          for (const [sh, fh] of [
            [wh.i0[h], 1 - wh.w1[h]],
            [wh.i1[h], wh.w1[h]],
          ]) {
            if (fh === 0) continue;
            for (const [sw, fw] of [
              [ww.i0[w], 1 - ww.w1[w]],
              [ww.i1[w], ww.w1[w]],
            ]) {
              if (fw === 0) continue;
              out[row * nFrom + (st * from.h + sh) * from.w + sw] += ft * fh * fw;
            }
          }
        }
      }
    }
  }
  return out;
}

/**
 * Resamples a positional table `[N_from, d]` over grid `from` onto grid `to`, giving `[N_to, d]`.
 * Returns an exact copy when the grids are equal.
 * @throws ShapeError when the table does not hold `N_from * d` values.
 */
export function interpolatePositions(
  table: Float32Array,
  d: number,
  from: TokenGrid,
  to: TokenGrid,
): Float32Array {
  const nFrom = tokenCount(from);
  if (table.length !== nFrom * d) {
    throw new ShapeError(`position table holds ${table.length} values, expected [${nFrom}, ${d}]`, {
      name: 'positions',
      expected: [nFrom, d],
      actual: [table.length],
    });
  }
  if (from.t === to.t && from.h === to.h && from.w === to.w) return table.slice();
  const m = gridInterpolationMatrix(from, to);
  const nTo = tokenCount(to);
  const out = new Float32Array(nTo * d);
  for (let r = 0; r < nTo; r++) {
    for (let s = 0; s < nFrom; s++) {
      const f = m[r * nFrom + s];
      if (f === 0) continue;
      for (let j = 0; j < d; j++) out[r * d + j] += f * table[s * d + j];
    }
  }
  return out;
}
