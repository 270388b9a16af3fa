import { VfmError } from '@vfmkit/core';

/** The loss became NaN or infinite; the run stopped and its last good checkpoint is kept. */
export class TrainingDivergedError extends VfmError {
  constructor(message: string, details: { step: number; loss: number; checkpoint: string | null }) {
    super('TRAINING_DIVERGED', message, details);
  }
}

/** A run folder already holds a checkpoint and `--resume` was not given (nothing is overwritten). */
export class RunExistsError extends VfmError {
  constructor(message: string, details: { out: string }) {
    super('RUN_EXISTS', message, details);
  }
}
