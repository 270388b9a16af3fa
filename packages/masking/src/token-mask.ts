import { assertLength, ConfigError, type TokenGrid } from '@vfmkit/core';
import { checkGrid } from './grid';

/**
 * An encoder mask over a token grid of N = t * h * w tokens (t-major order), in both forms.
 *
 * Convention (MAE): `hidden[i] === 1` means token i is REMOVED, i.e. hidden from the encoder.
 * Index form: `keep` (visible tokens, ascending) and `masked` (hidden tokens, ascending) partition
 * 0..N-1; `restore` is the inverse permutation of `[...keep, ...masked]`, so gathering that
 * concatenation by `restore` gives the original token order back.
 */
export interface TokenMask {
  readonly grid: TokenGrid;
  /** `[N]` 1 = hidden from the encoder, 0 = visible. */
  readonly hidden: Uint8Array;
  /** `[N - M]` visible token indices, ascending. */
  readonly keep: Int32Array;
  /** `[M]` hidden token indices, ascending. */
  readonly masked: Int32Array;
  /** `[N]` position of token i in `[...keep, ...masked]`. */
  readonly restore: Int32Array;
}

/**
 * Encoder masks for a batch of B clips, as flat row-major arrays ready to become tensors
 * (e.g. `tf.tensor2d(keep, [B, K], 'int32')` or `new ort.Tensor('int32', keep, [B, K])`).
 * Every row hides the same number M of tokens. Same convention as {@link TokenMask}.
 */
export interface TokenMaskBatch {
  readonly grid: TokenGrid;
  /** B */
  readonly batch: number;
  /** K = N - M, visible tokens per clip. */
  readonly keepCount: number;
  /** M, hidden tokens per clip. */
  readonly maskedCount: number;
  /** `[B, N]` 1 = hidden. */
  readonly hidden: Uint8Array;
  /** `[B, K]` visible token indices per row, ascending. */
  readonly keep: Int32Array;
  /** `[B, M]` hidden token indices per row, ascending. */
  readonly masked: Int32Array;
  /** `[B, N]` per row, the inverse permutation of `[keep_b, masked_b]`. */
  readonly restore: Int32Array;
}

/**
 * Writes the index form of one row of a boolean mask. `hidden[hOff .. hOff + n)` must hold exactly
 * `k` zeros; results go to `keep[kOff..]`, `masked[mOff..]`, `restore[rOff..]`.
 * @internal shared by single and batch builders.
 */
export function writeIndexForm(
  hidden: Uint8Array,
  hOff: number,
  n: number,
  k: number,
  keep: Int32Array,
  kOff: number,
  masked: Int32Array,
  mOff: number,
  restore: Int32Array,
  rOff: number,
): void {
  let ki = 0;
  let mi = 0;
  for (let i = 0; i < n; i++) {
    if (hidden[hOff + i] === 0) {
      keep[kOff + ki] = i;
      restore[rOff + i] = ki;
      ki++;
    } else {
      masked[mOff + mi] = i;
      restore[rOff + i] = k + mi;
      mi++;
    }
  }
}

/**
 * Builds both forms of a mask from a boolean `[N]` array (`true`/1 = hidden).
 * @throws ShapeError when `hidden` is not `[N]` for the grid; ConfigError for a grid without tokens.
 */
export function tokenMaskFromHidden(
  grid: TokenGrid,
  hidden: Uint8Array | readonly boolean[] | readonly number[],
): TokenMask {
  const n = checkGrid(grid);
  assertLength('hidden', hidden, [n]);
  const bits = new Uint8Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const v = hidden[i];
    if (v !== true && v !== false && v !== 0 && v !== 1) {
      throw new ConfigError(`hidden[${i}] must be a boolean or 0/1, got ${String(v)}`, {
        key: 'hidden',
        index: i,
        value: v,
      });
    }
    if (v) {
      bits[i] = 1;
      m++;
    }
  }
  return finishTokenMask(grid, bits, m);
}

/** Wraps a 0/1 row holding `m` ones into a {@link TokenMask}. @internal */
export function finishTokenMask(grid: TokenGrid, hidden: Uint8Array, m: number): TokenMask {
  const n = hidden.length;
  const keep = new Int32Array(n - m);
  const masked = new Int32Array(m);
  const restore = new Int32Array(n);
  writeIndexForm(hidden, 0, n, n - m, keep, 0, masked, 0, restore, 0);
  return { grid, hidden, keep, masked, restore };
}

/** Row `b` of a batch as a {@link TokenMask} (views into the batch's arrays, no copy). */
export function maskRow(batch: TokenMaskBatch, b: number): TokenMask {
  if (!Number.isInteger(b) || b < 0 || b >= batch.batch) {
    throw new ConfigError(`row ${b} is outside the batch of ${batch.batch}`, { key: 'row', value: b });
  }
  const n = batch.hidden.length / batch.batch;
  const k = batch.keepCount;
  const m = batch.maskedCount;
  return {
    grid: batch.grid,
    hidden: batch.hidden.subarray(b * n, (b + 1) * n),
    keep: batch.keep.subarray(b * k, (b + 1) * k),
    masked: batch.masked.subarray(b * m, (b + 1) * m),
    restore: batch.restore.subarray(b * n, (b + 1) * n),
  };
}
