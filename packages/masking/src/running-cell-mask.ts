import { type SeedOrRng, type TokenGrid, toRng } from '@vfmkit/core';
import { encoderMask, type RunningCellOptions } from './encoder-mask';
import type { TokenMask } from './token-mask';

/**
 * Running-cell encoder mask (VideoMAE V2's `RunningCellMaskingGenerator`, Wang et al. 2023): in every
 * `cell` (default 2 x 2) the first `ratio x area` positions of a queue read from a pointer are hidden,
 * and the pointer moves one step per time slice, so each position is hidden in a fixed share of the
 * time slices. The start pointer is `options.offset` or drawn from the RNG. Exactly `ratio x N` tokens
 * are hidden; `ratio x cell area` must be a whole number and the cell must divide h and w.
 *
 * @returns both forms; `hidden` is `[N]` with 1 = hidden from the encoder (MAE convention).
 * @throws ConfigError for a ratio outside [0, 1), a non-integer per-cell count, or an indivisible grid.
 */
export function runningCellMask(
  grid: TokenGrid,
  ratio: number,
  seed: SeedOrRng,
  options: RunningCellOptions = {},
): TokenMask {
  return encoderMask(grid, { kind: 'running-cell', ratio, ...options }, toRng(seed));
}
