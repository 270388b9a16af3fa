import { VfmError } from '@vfmkit/core';

/** No requested TensorFlow.js backend could be initialised; `tried` lists each backend and why it failed. */
export class BackendError extends VfmError {
  constructor(
    message: string,
    details: { tried: readonly { backend: string; reason: string }[]; [k: string]: unknown },
    options?: { cause?: unknown },
  ) {
    super('NN_BACKEND', message, details, options);
  }
}

/** A parameter map did not match what a layer or checkpoint expected (missing, unexpected, mis-shaped). */
export class ParamError extends VfmError {
  constructor(message: string, details: Record<string, unknown>, options?: { cause?: unknown }) {
    super('NN_PARAM', message, details, options);
  }
}

/** A data-parallel worker failed (module import, model build, or a step); `worker` is its index. */
export class WorkerError extends VfmError {
  constructor(
    message: string,
    details: { worker: number; [k: string]: unknown },
    options?: { cause?: unknown },
  ) {
    super('NN_WORKER', message, details, options);
  }
}
