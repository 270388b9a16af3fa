import { VfmError } from '@vfmkit/core';

/**
 * A metric was given values it cannot score: NaN or infinite numbers, a label outside `[0, C)`, a box
 * or segment with its end before its start, a non-binary target. Shape mismatches throw core's
 * `ShapeError` instead. `details.name` names the offending argument; `details.index` the first bad entry.
 */
export class MetricInputError extends VfmError {
  constructor(message: string, details: { name: string; index?: number; [k: string]: unknown }) {
    super('METRICS_INPUT', message, details);
  }
}
