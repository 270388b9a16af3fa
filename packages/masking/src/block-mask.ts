import { type SeedOrRng, type TokenGrid, toRng } from '@vfmkit/core';
import { encoderMask } from './encoder-mask';
import type { BlockMaskOptions } from './internal/block-fill';
import type { TokenMask } from './token-mask';

export type { BlockMaskOptions } from './internal/block-fill';

/**
 * Block-wise encoder mask in the style of BEVT (Wang et al. 2022), used by VideoPrism stage 2 at
 * ratio 0.65: space-time blocks (a rectangle of h x w positions spanning a run of time slices) are
 * added until exactly `floor(ratio x N)` tokens are hidden; the last block is cut off in t-major scan
 * order so the count is exact. See {@link BlockMaskOptions} for block sizes.
 *
 * @returns both forms; `hidden` is `[N]` with 1 = hidden from the encoder (MAE convention).
 * @throws ConfigError for a ratio outside [0, 1), a grid without tokens, or bad block options.
 */
export function blockMask(
  grid: TokenGrid,
  ratio: number,
  seed: SeedOrRng,
  options: BlockMaskOptions = {},
): TokenMask {
  return encoderMask(grid, { kind: 'block', ratio, ...options }, toRng(seed));
}
