import { VfmError } from '@vfmkit/core';

/**
 * A decoder budget asked for more tokens than there are to choose from (the encoder's hidden tokens,
 * or all N when no encoder mask is given). `requested` is the resolved count, `available` the pool.
 */
export class MaskBudgetError extends VfmError {
  constructor(message: string, details: { requested: number; available: number; budget: unknown }) {
    super('MASK_BUDGET', message, details);
  }
}

/**
 * A priority array could not be ranked: a NaN at `index` (any mode), or a negative value when
 * sampling proportional to priority (Gumbel top-k needs `log(p)`).
 */
export class PriorityError extends VfmError {
  constructor(message: string, details: { index: number; value: number; row?: number }) {
    super('MASK_PRIORITY', message, details);
  }
}

/**
 * A batch of masks would have rows of different lengths, so it cannot become a `[B, K]` index tensor
 * (e.g. a running-cell decoder mask intersected with random encoder masks).
 */
export class RaggedBatchError extends VfmError {
  constructor(message: string, details: { row: number; count: number; expected: number }) {
    super('MASK_RAGGED', message, details);
  }
}

/** A gather/scatter index pointed outside `[0, N)`. */
export class TokenIndexError extends VfmError {
  constructor(message: string, details: { name: string; position: number; value: number; bound: number }) {
    super('MASK_INDEX', message, details);
  }
}
