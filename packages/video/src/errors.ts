import { VfmError } from '@vfmkit/core';

/** Why a decode or probe failed; stable, match on it. */
export type VideoDecodeReason =
  | 'no-ffmpeg'
  | 'not-found'
  | 'invalid-data'
  | 'no-video-stream'
  | 'no-frames'
  | 'unsupported-pixel-format'
  | 'out-of-range'
  | 'short-read'
  | 'aborted'
  | 'ffmpeg-failed';

/**
 * A video could not be probed or decoded (or no ffmpeg binary works). `details.path` names the file,
 * `details.reason` says why, `details.stderr` holds the tail of ffmpeg's log when ffmpeg ran.
 */
export class VideoDecodeError extends VfmError {
  declare readonly details: Readonly<{
    path: string;
    reason: VideoDecodeReason;
    stderr?: string;
    [k: string]: unknown;
  }>;

  constructor(
    message: string,
    details: { path: string; reason: VideoDecodeReason; stderr?: string; [k: string]: unknown },
    options?: { cause?: unknown },
  ) {
    super('VIDEO_DECODE', message, details, options);
  }
}

/** A clip could not be written (encoder failed, bad clip or path). */
export class VideoEncodeError extends VfmError {
  constructor(
    message: string,
    details: { path: string; stderr?: string; [k: string]: unknown },
    options?: { cause?: unknown },
  ) {
    super('VIDEO_ENCODE', message, details, options);
  }
}

/**
 * A dataset manifest (or an import source) is invalid: `details.path` names the manifest or CSV,
 * `details.line` the 1-based line, `details.field` the offending field when known.
 */
export class ManifestError extends VfmError {
  constructor(
    message: string,
    details: { path: string; line?: number; field?: string; [k: string]: unknown },
    options?: { cause?: unknown },
  ) {
    super('VIDEO_MANIFEST', message, details, options);
  }
}
