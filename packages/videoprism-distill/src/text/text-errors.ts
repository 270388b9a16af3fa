import { VfmError } from '@vfmkit/core';

/**
 * Training a vocabulary needs the optional peer `tokenizers` (Hugging Face's native Node binding),
 * which is not installed or does not load on this platform.
 */
export class TokenizerTrainerUnavailableError extends VfmError {
  constructor(message: string, details: { package: string; version: string }, options?: { cause?: unknown }) {
    super('TOKENIZER_TRAINER_UNAVAILABLE', message, details, options);
  }
}

/** A `tokenizer.json` that cannot be read or used (malformed, no model, no usable vocabulary). */
export class TokenizerFormatError extends VfmError {
  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('TOKENIZER_FORMAT', message, details, options);
  }
}
