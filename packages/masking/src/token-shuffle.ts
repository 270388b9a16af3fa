import { ConfigError, type SeedOrRng, toRng } from '@vfmkit/core';
import { checkBatch } from './encoder-mask';

/**
 * A seeded permutation of a decoder's input tokens and its inverse (VideoPrism stage 2 feeds the
 * decoder its visible tokens and mask tokens in a random order). `gather(x, order)` shuffles;
 * `gather(shuffled, inverse)` restores: `order[inverse[i]] === i`.
 */
export interface TokenShuffle {
  /** `[n]` (or `[B, n]`): position j of the shuffled sequence holds input token `order[j]`. */
  readonly order: Int32Array;
  /** `[n]` (or `[B, n]`): input token i sits at shuffled position `inverse[i]`. */
  readonly inverse: Int32Array;
}

/**
 * A uniformly random permutation of `n` tokens and its inverse.
 * @throws ConfigError unless `n` is a non-negative integer.
 */
export function tokenShuffle(n: number, seed: SeedOrRng): TokenShuffle {
  return tokenShuffleBatch(1, n, seed);
}

/**
 * B independent permutations of `n` tokens as flat `[B, n]` arrays; row b equals the b-th of B
 * successive {@link tokenShuffle} calls sharing one `Rng` made from `seed`.
 */
export function tokenShuffleBatch(batch: number, n: number, seed: SeedOrRng): TokenShuffle {
  checkBatch(batch);
  if (!Number.isInteger(n) || n < 0) {
    throw new ConfigError(`token count must be a non-negative integer, got ${n}`, { key: 'n', value: n });
  }
  const rng = toRng(seed);
  const order = new Int32Array(batch * n);
  const inverse = new Int32Array(batch * n);
  for (let b = 0; b < batch; b++) {
    const off = b * n;
    for (let i = 0; i < n; i++) order[off + i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const tmp = order[off + i];
      order[off + i] = order[off + j];
      order[off + j] = tmp;
    }
    for (let j = 0; j < n; j++) inverse[off + order[off + j]] = j;
  }
  return { order, inverse };
}
