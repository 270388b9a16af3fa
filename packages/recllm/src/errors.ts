import { VfmError } from '@vfmkit/core';

/** An item or batch of items failed validation (`details.issues` holds the zod issues). */
export class ItemValidationError extends VfmError {
  constructor(message: string, details: { id?: string; issues?: unknown; [k: string]: unknown }) {
    super('RECLLM_ITEM', message, details);
  }
}

/** The corpus store (LanceDB, lexical index) failed or was used wrongly (e.g. after `close()`). */
export class StoreError extends VfmError {
  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('RECLLM_STORE', message, details, options);
  }
}

/** An embedder returned vectors of the wrong count or dimension, or cannot embed this modality. */
export class EmbedderError extends VfmError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('RECLLM_EMBEDDER', message, details);
  }
}

/**
 * An LLM endpoint failed: `details.status` is the HTTP status where there was one, `details.kind` one of
 * `http`, `timeout`, `network`, `protocol` (a malformed response), `aborted`.
 */
export class LlmError extends VfmError {
  constructor(
    message: string,
    details: {
      kind: 'http' | 'timeout' | 'network' | 'protocol' | 'aborted' | 'unavailable';
      status?: number;
      [k: string]: unknown;
    },
    options?: { cause?: unknown },
  ) {
    super('RECLLM_LLM', message, details, options);
  }
}

/** LLM output did not parse or did not match its schema (after any repair attempt). */
export class LlmOutputError extends VfmError {
  constructor(message: string, details: { issues?: unknown; raw?: string; [k: string]: unknown }) {
    super('RECLLM_LLM_OUTPUT', message, details);
  }
}

/** A session, profile or conversation was not found or could not be persisted. */
export class SessionError extends VfmError {
  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('RECLLM_SESSION', message, details, options);
  }
}
