import { ConfigError, type TokenGrid } from '@vfmkit/core';

/**
 * Validates a token grid and returns its token count N = t * h * w.
 * @throws ConfigError (key `grid`) when a side is not a positive integer, so the grid has no tokens.
 */
export function checkGrid(grid: TokenGrid): number {
  for (const side of ['t', 'h', 'w'] as const) {
    const v = grid?.[side];
    if (!Number.isInteger(v) || v <= 0) {
      throw new ConfigError(
        `token grid ${side} must be a positive integer (a grid needs at least one token), got ${v}`,
        { key: `grid.${side}`, value: v },
      );
    }
  }
  return grid.t * grid.h * grid.w;
}

/**
 * How a masking ratio becomes a token count: `floor` (VideoMAE's `int(mask_ratio * num_patches)`, the
 * default) or `round` (half up).
 */
export type MaskRounding = 'floor' | 'round';

/**
 * The number of tokens to hide for a masking ratio. By default `floor(ratio x n)` computed in float64,
 * exactly as VideoMAE's generators (`int(mask_ratio * num_patches)`): 0.95 x 1568 = 1489.6 hides 1489.
 * `rounding: 'round'` rounds half up instead (1490). The two agree unless `ratio x n` has a fractional
 * part of at least 0.5 (0.9 x 1568 = 1411.2 gives 1411 in both).
 * @throws ConfigError (key `ratio`) unless 0 <= ratio < 1; (key `rounding`) for an unknown rounding.
 */
export function hiddenCount(ratio: number, n: number, rounding: MaskRounding = 'floor'): number {
  checkRatio(ratio);
  if (rounding === 'floor') return Math.floor(ratio * n);
  if (rounding === 'round') return Math.round(ratio * n);
  throw new ConfigError(`mask rounding must be 'floor' or 'round', got ${String(rounding)}`, {
    key: 'rounding',
    value: rounding,
  });
}

/** @throws ConfigError (key `ratio`) unless `ratio` is a finite number in [0, 1). */
export function checkRatio(ratio: number, key = 'ratio'): void {
  if (typeof ratio !== 'number' || !Number.isFinite(ratio) || ratio < 0 || ratio >= 1) {
    throw new ConfigError(`masking ${key} must be a number in [0, 1), got ${ratio}`, { key, value: ratio });
  }
}
