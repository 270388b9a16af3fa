import { type SeedOrRng, type TokenGrid, toRng } from '@vfmkit/core';
import { encoderMask } from './encoder-mask';
import type { TokenMask } from './token-mask';

/**
 * Tube encoder mask (VideoMAE, Tong et al. 2022): one random spatial mask hiding exactly
 * `floor(ratio x h x w)` (VideoMAE's `int()`) of the h x w positions, repeated in every one of the t time slices, so
 * M = t x floor(ratio x h x w) tokens are hidden. With ratio 0.9 on 8 x 14 x 14: 176 of 196 positions,
 * 1408 tokens.
 *
 * @returns both forms; `hidden` is `[N]` with 1 = hidden from the encoder (MAE convention).
 * @throws ConfigError for a ratio outside [0, 1) or a grid without tokens.
 */
export function tubeMask(grid: TokenGrid, ratio: number, seed: SeedOrRng): TokenMask {
  return encoderMask(grid, { kind: 'tube', ratio }, toRng(seed));
}
