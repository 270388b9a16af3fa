import { type SeedOrRng, type TokenGrid, toRng } from '@vfmkit/core';
import { encoderMask } from './encoder-mask';
import type { TokenMask } from './token-mask';

/**
 * Random (per-token) encoder mask, as in MAE / VideoMAE's `RandomMaskingGenerator`: exactly
 * `floor(ratio x N)` of the N tokens are hidden (VideoMAE's `int()`; `encoderMask` with `rounding: 'round'` rounds half up), every such subset equally likely.
 *
 * @param grid token grid `{t, h, w}`, N = t * h * w (see `tokenGridOf`).
 * @param ratio fraction hidden, in [0, 1).
 * @returns both forms; `hidden` is `[N]` with 1 = hidden from the encoder (MAE convention).
 * @throws ConfigError for a ratio outside [0, 1) or a grid without tokens.
 * @example randomMask({ t: 8, h: 14, w: 14 }, 0.9, 42).masked.length // 1411
 */
export function randomMask(grid: TokenGrid, ratio: number, seed: SeedOrRng): TokenMask {
  return encoderMask(grid, { kind: 'random', ratio }, toRng(seed));
}
