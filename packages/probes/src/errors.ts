import { VfmError } from '@vfmkit/core';

/**
 * A probe head or adaptation could not be built or trained: bad feature layout, a layer index outside
 * the encoder, labels that do not match the batch. `details.what` names the offending part.
 */
export class ProbeError extends VfmError {
  constructor(
    message: string,
    details: { what: string; [k: string]: unknown },
    options?: { cause?: unknown },
  ) {
    super('PROBES_PROBE', message, details, options);
  }
}

/**
 * A feature cache shard could not be read, written, or did not match the key it was asked for
 * (another encoder hash, another data key, a different shape). An entry that exists but cannot be read
 * back (truncated shard, unparsable manifest) has `details.corrupt: true` and `details.folder`, the folder
 * to delete to rebuild it: only an absent file is a cache miss. `cause` holds the underlying error.
 */
export class FeatureCacheError extends VfmError {
  constructor(
    message: string,
    details: { path?: string; key?: string; [k: string]: unknown },
    options?: { cause?: unknown },
  ) {
    super('PROBES_FEATURE_CACHE', message, details, options);
  }
}
