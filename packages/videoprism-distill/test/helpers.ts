import { tokenShuffleBatch } from '@vfmkit/masking';

export { TeacherMismatchError } from '../src/errors';
export { distillMasks } from '../src/index';

/** `[B, N]` shuffle orders from masking's `tokenShuffleBatch`. */
export function tokenShuffleOf(batch: number, n: number, seed: number): Int32Array {
  return tokenShuffleBatch(batch, n, seed).order;
}
