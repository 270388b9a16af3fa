import { Rng } from '@vfmkit/core';

/**
 * The random stream of one training step (augmentation, masks), derived from `(seed, step)` alone,
 * so a resumed run draws exactly what the uninterrupted run drew, with no generator state to save.
 */
export function stepRng(seed: number, step: number): Rng {
  return new Rng((Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca6b)) >>> 0);
}
