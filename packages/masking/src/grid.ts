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
 * The number of tokens to hide for a masking ratio: `round(ratio x n)` (half away from zero, computed
 * in float64). VideoMAE's generators use `int(ratio x n)` (floor) instead; the two differ only when
 * `ratio x n` has a fractional part of at least 0.5 (e.g. 0.9 x 1568 = 1411.2 gives 1411 in both).
 * @throws ConfigError (key `ratio`) unless 0 <= ratio < 1.
 */
export function hiddenCount(ratio: number, n: number): number {
  checkRatio(ratio);
  return Math.round(ratio * n);
}

/** @throws ConfigError (key `ratio`) unless `ratio` is a finite number in [0, 1). */
export function checkRatio(ratio: number, key = 'ratio'): void {
  if (typeof ratio !== 'number' || !Number.isFinite(ratio) || ratio < 0 || ratio >= 1) {
    throw new ConfigError(`masking ${key} must be a number in [0, 1), got ${ratio}`, { key, value: ratio });
  }
}
