import { ConfigError } from '@vfmkit/core';

/** One fused result: `score` = sum over lists of `weight / (k + rank)`, ranks 1-based. */
export interface FusedHit {
  readonly id: string;
  readonly score: number;
  /** The 1-based rank of the id in each input list (`undefined` where it was absent). */
  readonly ranks: readonly (number | undefined)[];
}

/**
 * Reciprocal rank fusion (Cormack, Clarke and Buettcher, SIGIR 2009): each ranked list votes
 * `weight / (k + rank)` for each of its ids (rank 1 = first); ids are sorted by the summed vote, ties by
 * their best rank, then by id. A duplicated id within one list counts at its first rank only.
 * @param lists ranked id lists, best first.
 * @param k the damping constant (60 in the paper).
 * @param weights one per list (default all 1).
 */
export function reciprocalRankFusion(
  lists: readonly (readonly string[])[],
  k = 60,
  weights?: readonly number[],
): FusedHit[] {
  if (!Number.isFinite(k) || k < 0)
    throw new ConfigError(`RRF k must be >= 0, got ${k}`, { key: 'k', value: k });
  if (weights && weights.length !== lists.length)
    throw new ConfigError(`RRF got ${weights.length} weights for ${lists.length} lists`, {
      key: 'weights',
      expected: lists.length,
      actual: weights.length,
    });
  const acc = new Map<string, { score: number; ranks: (number | undefined)[]; best: number }>();
  lists.forEach((list, li) => {
    const w = weights ? weights[li] : 1;
    list.forEach((id, i) => {
      let e = acc.get(id);
      if (!e) {
        e = { score: 0, ranks: new Array(lists.length).fill(undefined), best: Number.POSITIVE_INFINITY };
        acc.set(id, e);
      }
      if (e.ranks[li] !== undefined) return;
      e.ranks[li] = i + 1;
      e.score += w / (k + i + 1);
      e.best = Math.min(e.best, i + 1);
    });
  });
  return [...acc.entries()]
    .sort(
      (a, b) => b[1].score - a[1].score || a[1].best - b[1].best || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0),
    )
    .map(([id, e]) => ({ id, score: e.score, ranks: e.ranks }));
}
