import { VfmError } from '@vfmkit/core';

/**
 * vfm-eval could not run as asked: bad command-line arguments, an encoder path that is neither a run
 * folder, an `.onnx` file nor a safetensors checkpoint, an unknown suite, task or adaptation.
 * `details.what` names the offending argument.
 */
export class EvaluatorError extends VfmError {
  constructor(
    message: string,
    details: { what: string; [k: string]: unknown },
    options?: { cause?: unknown },
  ) {
    super('EVAL_ARGUMENT', message, details, options);
  }
}
