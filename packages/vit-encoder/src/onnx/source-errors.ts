import { VfmError } from '@vfmkit/core';

/**
 * A path given as an encoder is none of the sources {@link resolveEncoderSource} reads: a `vfm-train`
 * run folder, a vit-encoder checkpoint, a Hugging Face VideoMAE checkpoint or an exported ONNX file.
 * `details.path` is the path, `details.reason` says what was found there.
 */
export class EncoderSourceError extends VfmError {
  constructor(message: string, details: { path: string; reason: string }, options?: { cause?: unknown }) {
    super('ENCODER_SOURCE', message, details, options);
  }
}

/**
 * The weights of an encoder were asked for (to train or adapt it), but its source is an exported ONNX
 * file, which holds a graph to run, not weights to train: only the frozen readouts apply to it.
 */
export class OnnxOnlyEncoderError extends VfmError {
  constructor(message: string, details: { path: string }) {
    super('ENCODER_ONNX_ONLY', message, details);
  }
}
