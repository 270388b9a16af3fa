import { VfmError } from '@vfmkit/core';

/**
 * A graph was built wrongly: an input name that no earlier node, input or initializer defines, a name
 * defined twice, a bad op argument, or an unsupported opset. Thrown by the builder, before ONNX Runtime
 * ever sees the model. `details.name` holds the offending value name where there is one.
 */
export class OnnxGraphError extends VfmError {
  constructor(message: string, details: { name?: string; op?: string; [k: string]: unknown } = {}) {
    super('ONNX_GRAPH', message, details);
  }
}

/**
 * `device: 'cuda'` was asked for, but ONNX Runtime's CUDA execution provider could not be loaded.
 * `details.hint` says how to install it; `cause` holds ONNX Runtime's own error.
 */
export class CudaUnavailableError extends VfmError {
  constructor(message: string, details: { hint: string; reason: string }, options?: { cause?: unknown }) {
    super('ONNX_CUDA_UNAVAILABLE', message, details, options);
  }
}

/** ONNX Runtime could not load a model (bad file, unsupported op or opset). `cause` holds its error. */
export class OnnxSessionError extends VfmError {
  constructor(
    message: string,
    details: { model?: string; [k: string]: unknown },
    options?: { cause?: unknown },
  ) {
    super('ONNX_SESSION', message, details, options);
  }
}

/**
 * A `run` call was given feeds that do not match the model (unknown or missing input, wrong dtype),
 * or ONNX Runtime failed while running. Shape mismatches throw core's `ShapeError` instead.
 */
export class OnnxRunError extends VfmError {
  constructor(
    message: string,
    details: { input?: string; [k: string]: unknown },
    options?: { cause?: unknown },
  ) {
    super('ONNX_RUN', message, details, options);
  }
}
