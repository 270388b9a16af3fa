import { assertShape } from '@vfmkit/core';
import { checkFinite, checkLabels, type Numeric } from './internal/check';

/** Recall at 1, 5 and 10 and the median rank of one retrieval direction. */
export interface RetrievalResult {
  r1: number;
  r5: number;
  r10: number;
  /** Median over queries of the 1-based rank of the true item (ties ranked by gallery index). */
  medianRank: number;
  /** Number of queries. */
  count: number;
}

/**
 * Retrieval recall: each query's gallery items ranked by score, R@k the fraction of queries whose
 * true item is among the top k. Ties are broken by gallery index (lower ranks first), as a stable
 * descending sort would, so a constant score matrix gets no credit it did not earn.
 *
 * @param scores `[Q, G]` query-by-gallery similarities, row-major.
 * @param shape `[Q, G]`.
 * @param targets `[Q]` the index in `[0, G)` of each query's true gallery item.
 * @returns R@1/5/10 in [0, 1] and the median rank; `NaN` everywhere when Q = 0.
 * @throws ShapeError / MetricInputError for a shape mismatch, non-finite scores or a bad target.
 */
export function retrievalRecall(
  scores: Numeric,
  shape: readonly number[],
  targets: Numeric,
): RetrievalResult {
  const { Q, G } = assertShape('scores', shape, ['Q', 'G']);
  checkFinite('scores', scores, shape);
  assertShape('targets', [targets.length], [Q]);
  checkLabels('targets', targets, G);
  const ranks = new Float64Array(Q);
  for (let q = 0; q < Q; q++) {
    const row = q * G;
    const y = targets[q];
    const s = scores[row + y];
    let above = 0;
    for (let g = 0; g < G; g++) {
      const v = scores[row + g];
      if (v > s || (v === s && g < y)) above++;
    }
    ranks[q] = above + 1;
  }
  const recall = (k: number) => (Q === 0 ? Number.NaN : ranks.filter((r) => r <= k).length / Q);
  const sorted = ranks.slice().sort();
  const medianRank =
    Q === 0 ? Number.NaN : Q % 2 === 1 ? sorted[(Q - 1) / 2] : (sorted[Q / 2 - 1] + sorted[Q / 2]) / 2;
  return { r1: recall(1), r5: recall(5), r10: recall(10), medianRank, count: Q };
}

/** Both directions of paired video-text retrieval. */
export interface CrossModalRetrieval {
  videoToText: RetrievalResult;
  textToVideo: RetrievalResult;
}

/**
 * Video-to-text and text-to-video retrieval over N paired clips and captions (pair i is video i with
 * text i), from one similarity matrix.
 * @param similarity `[N, N]`, row = video, column = text.
 */
export function crossModalRetrieval(similarity: Numeric, n: number): CrossModalRetrieval {
  const diagonal = Array.from({ length: n }, (_, i) => i);
  const transposed = new Float64Array(similarity.length);
  for (let v = 0; v < n; v++) for (let t = 0; t < n; t++) transposed[t * n + v] = similarity[v * n + t];
  return {
    videoToText: retrievalRecall(similarity, [n, n], diagonal),
    textToVideo: retrievalRecall(transposed, [n, n], diagonal),
  };
}
