/** One exact nearest neighbour: index into the vector list and cosine similarity. */
export interface ExactHit {
  readonly index: number;
  readonly score: number;
}

/**
 * Brute-force exact cosine search: scores `query` `[D]` against every row of `vectors` (`N` vectors of
 * `[D]`) in float64 and returns the `k` best, ties broken by lower index. The ground truth that the
 * store's dense search is checked against, in tests and in the benchmark.
 */
export function exactCosineSearch(
  vectors: readonly ArrayLike<number>[],
  query: ArrayLike<number>,
  k: number,
  accept?: (index: number) => boolean,
): ExactHit[] {
  let qn = 0;
  for (let j = 0; j < query.length; j++) qn += query[j] * query[j];
  qn = Math.sqrt(qn);
  const scored: ExactHit[] = [];
  for (let i = 0; i < vectors.length; i++) {
    if (accept && !accept(i)) continue;
    const v = vectors[i];
    let dot = 0;
    let vn = 0;
    for (let j = 0; j < v.length; j++) {
      dot += v[j] * query[j];
      vn += v[j] * v[j];
    }
    scored.push({ index: i, score: qn === 0 || vn === 0 ? 0 : dot / (qn * Math.sqrt(vn)) });
  }
  scored.sort((a, b) => b.score - a.score || a.index - b.index);
  return scored.slice(0, k);
}
