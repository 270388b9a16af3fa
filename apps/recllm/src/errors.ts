import { VfmError } from '@vfmkit/core';

/** A bad command line, manifest or configuration of the app. */
export class AppConfigError extends VfmError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('RECLLM_APP_CONFIG', message, details);
  }
}

/** A media file name that is not a plain file inside the media folder (path traversal and the like). */
export class MediaPathError extends VfmError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('RECLLM_APP_MEDIA_PATH', message, details);
  }
}

/**
 * A model file given on the command line (`--gguf`) that cannot be used: missing, not a regular file,
 * or not a GGUF model. `details.reason` is `missing`, `not-a-file`, `unreadable`, `not-gguf` or
 * `unsupported-version`.
 */
export class ModelFileError extends VfmError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('RECLLM_APP_MODEL_FILE', message, details);
  }
}

/** Indexing failed for some items (the failed set). */
export class IndexingError extends VfmError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('RECLLM_APP_INDEXING', message, details);
  }
}
