import { assertShape, ConfigError } from '@vfmkit/core';
import { averagePrecision } from './average-precision';
import { type BoolLike, checkFinite, checkLabels, type Numeric, nanMean, toBinary } from './internal/check';

/**
 * Top-k accuracy: the fraction of rows whose true class is among the k highest scores.
 * Ties are broken by class index (lower index ranks first), as a stable descending sort would.
 *
 * @param scores `[B, C]` logits or probabilities, row-major.
 * @param shape `[B, C]`.
 * @param labels `[B]` class indices in `[0, C)`.
 * @param k 1 for top-1; a k >= C counts every row as correct.
 * @returns accuracy in [0, 1]; `NaN` when B = 0.
 */
export function topKAccuracy(scores: Numeric, shape: readonly number[], labels: Numeric, k = 1): number {
  const { B, C } = assertShape('scores', shape, ['B', 'C']);
  checkFinite('scores', scores, shape);
  assertShape('labels', [labels.length], [B]);
  checkLabels('labels', labels, C);
  if (!Number.isInteger(k) || k < 1)
    throw new ConfigError(`k must be a positive integer, got ${k}`, { key: 'k' });
  if (B === 0) return Number.NaN;
  let correct = 0;
  for (let b = 0; b < B; b++) {
    const row = b * C;
    const y = labels[b];
    const s = scores[row + y];
    let rank = 0; // classes ranked above the true one
    for (let c = 0; c < C; c++) {
      const v = scores[row + c];
      if (v > s || (v === s && c < y)) rank++;
    }
    if (rank < k) correct++;
  }
  return correct / B;
}

/** Top-1 and top-5 accuracy of single-label classification. */
export interface ClassificationResult {
  top1: number;
  top5: number;
  /** Number of rows scored. */
  count: number;
}

/** Top-1 and top-5 accuracy; see {@link topKAccuracy}. `scores` is `[B, C]`, `labels` `[B]`. */
export function classificationAccuracy(
  scores: Numeric,
  shape: readonly number[],
  labels: Numeric,
): ClassificationResult {
  return {
    top1: topKAccuracy(scores, shape, labels, 1),
    top5: topKAccuracy(scores, shape, labels, 5),
    count: shape[0],
  };
}

/** Multi-label mean average precision, with each class's AP. */
export interface MultiLabelMapResult {
  /** Mean of the per-class APs over classes with at least one positive; `NaN` if none has any. */
  map: number;
  /** `[C]` AP per class (non-interpolated, see {@link averagePrecision}); `NaN` for classes without positives. */
  perClass: Float64Array;
  /** Classes with at least one positive (those averaged into `map`). */
  classesEvaluated: number;
}

/**
 * Multi-label mAP (Charades convention, as in VideoGLUE): the non-interpolated AP of each class over
 * all samples, averaged over the classes that have at least one positive.
 *
 * @param scores `[B, C]` per-class scores.
 * @param shape `[B, C]`.
 * @param targets `[B, C]` 0/1 (or boolean) ground truth.
 */
export function multiLabelMap(
  scores: Numeric,
  shape: readonly number[],
  targets: BoolLike,
): MultiLabelMapResult {
  const { B, C } = assertShape('scores', shape, ['B', 'C']);
  checkFinite('scores', scores, shape);
  const y = toBinary('targets', targets, shape);
  const perClass = new Float64Array(C);
  const col = new Float64Array(B);
  const lab = new Uint8Array(B);
  let evaluated = 0;
  for (let c = 0; c < C; c++) {
    for (let b = 0; b < B; b++) {
      col[b] = scores[b * C + c];
      lab[b] = y[b * C + c];
    }
    perClass[c] = averagePrecision(col, lab);
    if (!Number.isNaN(perClass[c])) evaluated++;
  }
  return { map: nanMean(perClass), perClass, classesEvaluated: evaluated };
}
