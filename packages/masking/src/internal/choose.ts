import type { Rng } from '@vfmkit/core';

/**
 * Marks exactly `count` of the `n` cells `out[off .. off + n)` with 1 (the rest 0), uniformly over all
 * subsets: a partial Fisher-Yates shuffle over `pool` (scratch of length >= n), drawing
 * `min(count, n - count)` numbers from `rng`. O(n).
 */
export function chooseInto(
  out: Uint8Array,
  off: number,
  n: number,
  count: number,
  rng: Rng,
  pool: Int32Array,
): void {
  const complement = count * 2 > n;
  const draws = complement ? n - count : count;
  out.fill(complement ? 1 : 0, off, off + n);
  for (let i = 0; i < n; i++) pool[i] = i;
  const mark = complement ? 0 : 1;
  for (let i = 0; i < draws; i++) {
    const j = i + rng.int(n - i);
    const pick = pool[j];
    pool[j] = pool[i];
    pool[i] = pick;
    out[off + pick] = mark;
  }
}
