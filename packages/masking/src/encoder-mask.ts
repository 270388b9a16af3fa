import { assertLength, ConfigError, type Rng, type SeedOrRng, type TokenGrid, toRng } from '@vfmkit/core';
import { checkGrid, checkRatio, hiddenCount, type MaskRounding } from './grid';
import { type BlockMaskOptions, fillBlocks, planBlocks } from './internal/block-fill';
import { chooseInto } from './internal/choose';
import { type CellSize, checkCell, checkOffset, fillRunningCell } from './internal/running-cell';
import { finishTokenMask, type TokenMask, type TokenMaskBatch, writeIndexForm } from './token-mask';

/** Options of running-cell masks (VideoMAE V2). */
export interface RunningCellOptions {
  /** Cell size `[height, width]` in tokens, default `[2, 2]`; must divide the grid's h and w. */
  readonly cell?: CellSize;
  /** Start position of the cell queue in [0, cell area); drawn from the RNG when absent. */
  readonly offset?: number;
}

/**
 * Which encoder mask to make. Every kind hides an exact count M (`floor` as VideoMAE's `int()`, or
 * `round` half up with `rounding: 'round'`; see {@link hiddenCount}):
 * - `random`: `floor(ratio x N)` tokens, uniformly (MAE).
 * - `tube`: `floor(ratio x h x w)` spatial positions, the same in every time slice (VideoMAE).
 * - `block`: `floor(ratio x N)` tokens covered by space-time blocks (BEVT style; VideoPrism uses 0.65).
 * - `running-cell`: `ratio x cell area` positions of every cell, shifting by one each time slice
 *   (VideoMAE V2); `ratio x cell area` must be an integer, so M = ratio x N exactly.
 */
export type EncoderMaskSpec =
  | { readonly kind: 'random'; readonly ratio: number; readonly rounding?: MaskRounding }
  | { readonly kind: 'tube'; readonly ratio: number; readonly rounding?: MaskRounding }
  | ({ readonly kind: 'block'; readonly ratio: number; readonly rounding?: MaskRounding } & BlockMaskOptions)
  | ({ readonly kind: 'running-cell'; readonly ratio: number } & RunningCellOptions);

/** A validated strategy: `m` tokens hidden per clip, `fill` writes one clip's 0/1 row. */
interface EncoderPlan {
  readonly m: number;
  fill(rng: Rng, out: Uint8Array, off: number): void;
  /** A faster index form for this kind (same result as `writeIndexForm`), when it has one. */
  index?: IndexWriter;
}

type IndexWriter = (
  hidden: Uint8Array,
  hOff: number,
  keep: Int32Array,
  kOff: number,
  masked: Int32Array,
  mOff: number,
  restore: Int32Array,
  rOff: number,
) => void;

/**
 * Index form of a tube mask from its first time slice: the spatial keep/masked lists are computed once
 * and repeated with an offset per slice, without a data-dependent branch per token.
 */
function tubeIndexWriter(grid: TokenGrid, perSlice: number): IndexWriter {
  const plane = grid.h * grid.w;
  const kp = plane - perSlice;
  const k = kp * grid.t;
  const ks = new Int32Array(kp);
  const ms = new Int32Array(perSlice);
  const base = new Int32Array(plane);
  const stride = new Int32Array(plane);
  return (hidden, hOff, keep, kOff, masked, mOff, restore, rOff) => {
    let ki = 0;
    let mi = 0;
    for (let s = 0; s < plane; s++) {
      if (hidden[hOff + s] === 0) {
        base[s] = ki;
        stride[s] = kp;
        ks[ki++] = s;
      } else {
        base[s] = k + mi;
        stride[s] = perSlice;
        ms[mi++] = s;
      }
    }
    for (let ti = 0; ti < grid.t; ti++) {
      const shift = ti * plane;
      const ko = kOff + ti * kp;
      for (let j = 0; j < kp; j++) keep[ko + j] = ks[j] + shift;
      const mo = mOff + ti * perSlice;
      for (let j = 0; j < perSlice; j++) masked[mo + j] = ms[j] + shift;
      const ro = rOff + shift;
      for (let s = 0; s < plane; s++) restore[ro + s] = base[s] + ti * stride[s];
    }
  };
}

function planEncoder(grid: TokenGrid, spec: EncoderMaskSpec): EncoderPlan {
  const n = checkGrid(grid);
  if (spec === null || typeof spec !== 'object') {
    throw new ConfigError('encoder mask spec must be an object with a kind', { key: 'spec', value: spec });
  }
  const plane = grid.h * grid.w;
  switch (spec.kind) {
    case 'random': {
      const m = hiddenCount(spec.ratio, n, spec.rounding);
      const pool = new Int32Array(n);
      return { m, fill: (rng, out, off) => chooseInto(out, off, n, m, rng, pool) };
    }
    case 'tube': {
      const perSlice = hiddenCount(spec.ratio, plane, spec.rounding);
      const pool = new Int32Array(plane);
      return {
        m: perSlice * grid.t,
        fill: (rng, out, off) => {
          chooseInto(out, off, plane, perSlice, rng, pool);
          for (let ti = 1; ti < grid.t; ti++) out.copyWithin(off + ti * plane, off, off + plane);
        },
        index: tubeIndexWriter(grid, perSlice),
      };
    }
    case 'block': {
      const m = hiddenCount(spec.ratio, n, spec.rounding);
      const plan = planBlocks(grid, spec);
      const vis = new Int32Array(n);
      const pos = new Int32Array(n);
      return { m, fill: (rng, out, off) => fillBlocks(grid, plan, m, rng, out, off, vis, pos) };
    }
    case 'running-cell': {
      checkRatio(spec.ratio);
      const cell = spec.cell ?? ([2, 2] as const);
      const area = checkCell(grid, cell);
      const ones = spec.ratio * area;
      if (Math.abs(ones - Math.round(ones)) > 1e-9) {
        throw new ConfigError(
          `running-cell ratio ${spec.ratio} x cell area ${area} = ${ones} is not a whole number of tokens`,
          { key: 'ratio', value: spec.ratio, cellArea: area },
        );
      }
      const perCell = Math.round(ones);
      const fixed = spec.offset;
      if (fixed !== undefined) checkOffset(fixed, area);
      return {
        m: (n / area) * perCell,
        fill: (rng, out, off) => fillRunningCell(grid, cell, perCell, fixed ?? rng.int(area), out, off),
      };
    }
    default:
      throw new ConfigError(
        `unknown encoder mask kind ${JSON.stringify((spec as { kind?: unknown }).kind)}; expected random, tube, block or running-cell`,
        { key: 'kind', value: (spec as { kind?: unknown }).kind },
      );
  }
}

/**
 * One encoder mask of the given kind (see {@link EncoderMaskSpec} for the exact counts).
 *
 * @param grid token grid `{t, h, w}`; N = t * h * w, tokens ordered t-major.
 * @param seed a seed or an `Rng`; a passed `Rng` is advanced, so successive calls differ.
 * @returns `hidden` `[N]` (1 = hidden from the encoder, MAE convention), `keep` `[N - M]`,
 *   `masked` `[M]` (both ascending) and `restore` `[N]` (inverse of `[...keep, ...masked]`).
 * @throws ConfigError for a ratio outside [0, 1), a grid without tokens, or bad options.
 */
export function encoderMask(grid: TokenGrid, spec: EncoderMaskSpec, seed: SeedOrRng): TokenMask {
  const plan = planEncoder(grid, spec);
  const rng = toRng(seed);
  const n = grid.t * grid.h * grid.w;
  const hidden = new Uint8Array(n);
  plan.fill(rng, hidden, 0);
  if (!plan.index) return finishTokenMask(grid, hidden, plan.m);
  const keep = new Int32Array(n - plan.m);
  const masked = new Int32Array(plan.m);
  const restore = new Int32Array(n);
  plan.index(hidden, 0, keep, 0, masked, 0, restore, 0);
  return { grid, hidden, keep, masked, restore };
}

/**
 * Encoder masks for B clips in one call, as flat arrays (`[B, N]`, `[B, K]`, `[B, M]`, `[B, N]`).
 * Row b equals the b-th of B successive {@link encoderMask} calls sharing one `Rng` made from `seed`.
 * O(B x N) time, no per-clip allocation. Pass `into` (a batch of the same B, grid and counts, e.g. the
 * previous step's) to overwrite its arrays instead of allocating new ones.
 * @throws ConfigError for a batch size that is not a positive integer, or a bad spec; ShapeError when
 *   `into` does not fit.
 */
export function encoderMaskBatch(
  batch: number,
  grid: TokenGrid,
  spec: EncoderMaskSpec,
  seed: SeedOrRng,
  into?: TokenMaskBatch,
): TokenMaskBatch {
  checkBatch(batch);
  const plan = planEncoder(grid, spec);
  const rng = toRng(seed);
  const n = grid.t * grid.h * grid.w;
  const m = plan.m;
  const k = n - m;
  if (into) {
    assertLength('into.hidden', into.hidden, [batch, n]);
    assertLength('into.keep', into.keep, [batch, k]);
    assertLength('into.masked', into.masked, [batch, m]);
    assertLength('into.restore', into.restore, [batch, n]);
  }
  const hidden = into?.hidden ?? new Uint8Array(batch * n);
  const keep = into?.keep ?? new Int32Array(batch * k);
  const masked = into?.masked ?? new Int32Array(batch * m);
  const restore = into?.restore ?? new Int32Array(batch * n);
  for (let b = 0; b < batch; b++) {
    plan.fill(rng, hidden, b * n);
    if (plan.index) plan.index(hidden, b * n, keep, b * k, masked, b * m, restore, b * n);
    else writeIndexForm(hidden, b * n, n, k, keep, b * k, masked, b * m, restore, b * n);
  }
  return { grid, batch, keepCount: k, maskedCount: m, hidden, keep, masked, restore };
}

/** @throws ConfigError unless `batch` is a positive integer. @internal */
export function checkBatch(batch: number): void {
  if (!Number.isInteger(batch) || batch <= 0) {
    throw new ConfigError(`batch size must be a positive integer, got ${batch}`, {
      key: 'batch',
      value: batch,
    });
  }
}

/**
 * Only the boolean form of B encoder masks: `[B, N]`, 1 = hidden (MAE convention); the same rows as
 * {@link encoderMaskBatch} with the same seed, without the index form (VideoMAE-style pipelines that
 * index with the boolean mask need nothing else).
 */
export function hiddenMaskBatch(
  batch: number,
  grid: TokenGrid,
  spec: EncoderMaskSpec,
  seed: SeedOrRng,
): Uint8Array {
  checkBatch(batch);
  const plan = planEncoder(grid, spec);
  const rng = toRng(seed);
  const n = grid.t * grid.h * grid.w;
  const hidden = new Uint8Array(batch * n);
  for (let b = 0; b < batch; b++) plan.fill(rng, hidden, b * n);
  return hidden;
}
