import { VfmError } from '@vfmkit/core';

/**
 * A model's state update could not run: `afterStep` did not get a statistic that `loss()` records
 * (e.g. DINO's `dino.teacherMean`), so the trainer is not passing recorded statistics through.
 */
export class SslStatsError extends VfmError {
  constructor(message: string, details: { name: string; have: readonly string[] }) {
    super('SSL_STATS', message, details);
  }
}
