/**
 * The base of every error that vfmkit throws. `code` is stable across releases (match on it, not on
 * the message); `details` carries the data that explains the failure; `cause` chains the original error.
 *
 * Packages subclass it once per failure kind:
 * ```ts
 * export class VideoDecodeError extends VfmError {
 *   constructor(message: string, details: { path: string }, options?: { cause?: unknown }) {
 *     super('VIDEO_DECODE', message, details, options);
 *   }
 * }
 * ```
 */
export class VfmError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: string,
    message: string,
    details: Record<string, unknown> = {},
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** A tensor or array had the wrong shape. `expected` may hold `null` for "any size" dims. */
export class ShapeError extends VfmError {
  constructor(
    message: string,
    details: { name: string; expected: readonly (number | string | null)[]; actual: readonly number[] },
  ) {
    super('SHAPE', message, details);
  }
}

/** A configuration object or option was invalid; `key` names the offending entry. */
export class ConfigError extends VfmError {
  constructor(
    message: string,
    details: { key: string; [k: string]: unknown },
    options?: { cause?: unknown },
  ) {
    super('CONFIG', message, details, options);
  }
}

/** A checkpoint (safetensors file) could not be read, written or matched to a model. */
export class CheckpointError extends VfmError {
  constructor(
    message: string,
    details: { path?: string; [k: string]: unknown } = {},
    options?: { cause?: unknown },
  ) {
    super('CHECKPOINT', message, details, options);
  }
}
