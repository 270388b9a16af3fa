import { type SeedOrRng, ShapeError, type TokenGrid, toRng } from '@vfmkit/core';
import { type BlockMaskOptions, encoderMaskBatch, tokenShuffleBatch } from '@vfmkit/masking';

/**
 * Tube drop for stage 1 (VideoPrism drops 50% of the video tokens during contrastive training): per
 * clip, one random spatial mask hiding `floor(ratio x h x w)` positions in every time slice (masking's
 * tube mask), returned as the kept token ids.
 * @returns `[B, K]` int32 visible token ids (t-major, ascending per row), K = t x (h x w - floor(ratio x h x w)).
 * @throws ConfigError for a ratio outside [0, 1) or a bad batch size.
 */
export function tubeDropBatch(batch: number, grid: TokenGrid, ratio: number, seed: SeedOrRng): Int32Array {
  return encoderMaskBatch(batch, grid, { kind: 'tube', ratio }, toRng(seed)).keep;
}

/** The masks of one stage-2 batch (flat row-major arrays; see {@link distillMasks}). */
export interface DistillMasks {
  /** `[B, K]` token ids the student encoder sees (ascending per row). */
  readonly visible: Int32Array;
  /** `[B, M]` hidden token ids (ascending per row); M = floor(ratio x N). */
  readonly masked: Int32Array;
  /**
   * `[B, N]` the local decoder's input order: its input is `[visible_b..., masked_b...]` (N tokens), and
   * shuffled position j holds input token `order[b, j]`. The identity when shuffling is off.
   */
  readonly order: Int32Array;
  readonly keepCount: number;
  readonly maskedCount: number;
}

/**
 * BEVT block masks at `ratio` (exactly `floor(ratio x N)` hidden tokens per clip) and, when `shuffle`
 * is on, one uniformly random permutation per clip of the local decoder's N input tokens
 * (masking's `tokenShuffleBatch`), all drawn from one RNG made from `seed`.
 * @throws ConfigError for a ratio outside [0, 1), bad block options or a bad batch size.
 */
export function distillMasks(
  batch: number,
  grid: TokenGrid,
  options: { readonly ratio: number; readonly block?: BlockMaskOptions; readonly shuffle?: boolean },
  seed: SeedOrRng,
): DistillMasks {
  const rng = toRng(seed);
  const m = encoderMaskBatch(batch, grid, { kind: 'block', ratio: options.ratio, ...options.block }, rng);
  const n = grid.t * grid.h * grid.w;
  let order: Int32Array;
  if (options.shuffle ?? true) order = tokenShuffleBatch(batch, n, rng).order;
  else {
    order = new Int32Array(batch * n);
    for (let i = 0; i < order.length; i++) order[i] = i % n;
  }
  return {
    visible: m.keep,
    masked: m.masked,
    order,
    keepCount: m.keepCount,
    maskedCount: m.maskedCount,
  };
}

/**
 * The inverse of each row of a `[B, N]` permutation: `inverse[b, order[b, j]] = j`.
 * @throws ShapeError when `order` does not split into `batch` rows or a row is not a permutation of 0..N-1.
 */
export function invertOrder(order: Int32Array, batch: number): Int32Array {
  const n = order.length / batch;
  if (!Number.isInteger(n) || batch <= 0)
    throw new ShapeError(`order of ${order.length} ids does not split into ${batch} rows`, {
      name: 'order',
      expected: [batch, 'N'],
      actual: [order.length],
    });
  const inverse = new Int32Array(order.length).fill(-1);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < n; j++) {
      const i = order[b * n + j];
      if (!(i >= 0 && i < n) || inverse[b * n + i] !== -1)
        throw new ShapeError(`order row ${b} is not a permutation of 0..${n - 1} (entry ${j} = ${i})`, {
          name: 'order',
          expected: [batch, n],
          actual: [order.length],
        });
      inverse[b * n + i] = j;
    }
  }
  return inverse;
}
