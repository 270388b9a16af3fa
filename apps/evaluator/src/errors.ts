import { VfmError } from '@vfmkit/core';
import type { SkipReport } from '@vfmkit/video';

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

/**
 * A manifest's videos could not be read: more than half of them (the evaluation would say little, so it
 * stops), or one that probed fine failed to decode while being embedded. `details.skipped` lists each
 * unreadable video with its reason (`@vfmkit/video`'s `SkipReport`), `details.total` counts the
 * manifest's entries.
 */
export class UnreadableVideosError extends VfmError {
  constructor(
    message: string,
    details: { manifest: string; total: number; skipped: readonly SkipReport[] },
    options?: { cause?: unknown },
  ) {
    super('EVAL_UNREADABLE_VIDEOS', message, details, options);
  }
}
