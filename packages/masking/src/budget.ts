import { ConfigError } from '@vfmkit/core';
import { MaskBudgetError } from './errors';

/**
 * How many tokens a decoder mask keeps for reconstruction: a fraction of ALL N tokens of the grid
 * (LVMAE's "budget around 15%" is `{ fraction: 0.15 }`), giving `round(fraction x N)`, or an exact count.
 */
export type Budget = { readonly fraction: number } | { readonly count: number };

/**
 * Resolves a budget to a token count k for a grid of `n` tokens with `available` candidates.
 * @throws ConfigError (key `budget`) for a malformed budget; MaskBudgetError when k > available.
 */
export function resolveBudget(budget: Budget, n: number, available: number): number {
  let k: number;
  if (budget !== null && typeof budget === 'object' && 'fraction' in budget) {
    const f = budget.fraction;
    if (typeof f !== 'number' || !Number.isFinite(f) || f < 0 || f > 1) {
      throw new ConfigError(`budget.fraction must be a number in [0, 1], got ${f}`, {
        key: 'budget.fraction',
        value: f,
      });
    }
    k = Math.round(f * n);
  } else if (budget !== null && typeof budget === 'object' && 'count' in budget) {
    const c = budget.count;
    if (!Number.isInteger(c) || c < 0) {
      throw new ConfigError(`budget.count must be a non-negative integer, got ${c}`, {
        key: 'budget.count',
        value: c,
      });
    }
    k = c;
  } else {
    throw new ConfigError('budget must be { fraction } or { count }', { key: 'budget', value: budget });
  }
  if (k > available) {
    throw new MaskBudgetError(
      `decoder budget of ${k} tokens exceeds the ${available} tokens available to choose from`,
      { requested: k, available, budget },
    );
  }
  return k;
}
