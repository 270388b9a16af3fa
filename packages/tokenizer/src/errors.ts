import { VfmError } from '@vfmkit/core';

/**
 * A quantizer's codebook has more codes than an int32 token id can name (`prod(levels)` for FSQ,
 * `2^bits` for LFQ, above 2^31 - 1).
 */
export class CodebookOverflowError extends VfmError {
  constructor(message: string, details: { key: string; codebookSize: number; max: number }) {
    super('TOKENIZER_CODEBOOK_OVERFLOW', message, details);
  }
}

/** A clip dimension is not a positive multiple of the tokenizer's downsampling factor along that axis. */
export class ClipSizeError extends VfmError {
  constructor(
    message: string,
    details: { axis: 'frames' | 'height' | 'width'; size: number; factor: number },
  ) {
    super('TOKENIZER_CLIP_SIZE', message, details);
  }
}
