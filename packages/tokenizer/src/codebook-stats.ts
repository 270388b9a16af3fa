import { ConfigError } from '@vfmkit/core';

/** How a set of token ids uses a codebook. */
export interface CodebookStats {
  /** Tokens counted. */
  readonly tokens: number;
  /** Distinct codes that occur. */
  readonly used: number;
  /** `used / codebookSize`. */
  readonly usage: number;
  /** Entropy of the empirical code distribution, in nats. */
  readonly entropy: number;
  /** `exp(entropy)`: the effective number of codes (1 when one code is used, `codebookSize` when uniform). */
  readonly perplexity: number;
}

/**
 * Codebook usage and perplexity of token ids.
 * @param ids `[N]` token ids in `[0, codebookSize)`
 * @throws ConfigError for an empty set, a non-positive codebook size or an id out of range.
 */
export function codebookStats(ids: ArrayLike<number>, codebookSize: number): CodebookStats {
  if (!Number.isInteger(codebookSize) || codebookSize < 1)
    throw new ConfigError(`codebookSize must be a positive integer, got ${codebookSize}`, {
      key: 'codebookSize',
    });
  if (ids.length === 0) throw new ConfigError('codebook statistics need at least one token', { key: 'ids' });
  const counts = new Map<number, number>();
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id >= codebookSize)
      throw new ConfigError(`token id ${id} at ${i} is outside [0, ${codebookSize})`, {
        key: 'ids',
        index: i,
        value: id,
      });
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  let entropy = 0;
  for (const c of counts.values()) {
    const p = c / ids.length;
    entropy -= p * Math.log(p);
  }
  return {
    tokens: ids.length,
    used: counts.size,
    usage: counts.size / codebookSize,
    entropy,
    perplexity: Math.exp(entropy),
  };
}
