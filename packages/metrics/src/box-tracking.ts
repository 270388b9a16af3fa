import { assertShape } from '@vfmkit/core';
import { boxIou, checkBox } from './box-iou';
import { type BoolLike, type Numeric, toBinary } from './internal/check';

/** Box tracking scores: mean IoU and success rate, per sequence and overall. */
export interface BoxTrackingMetrics {
  /** Mean over sequences of each sequence's mean IoU over its scored frames. */
  meanIou: number;
  /** Mean over sequences of the fraction of scored frames with IoU >= `successThreshold`. */
  successRate: number;
  /** `[S]` per-sequence mean IoU (NaN for a sequence with no scored frame). */
  perSequence: Float64Array;
  /** Frames scored in total. */
  frames: number;
}

/**
 * Box tracking (4DS's object tracking readout): the first frame's box is given, so frames 1..T-1 are
 * scored; IoU of predicted vs true box per frame, averaged per sequence, then over sequences.
 * Frames where `present` is 0 (target absent or unannotated) are skipped.
 *
 * @param pred `[S, T, 4]` predicted boxes `[x0, y0, x1, y1]`.
 * @param target `[S, T, 4]` true boxes.
 * @param shape `[S, T, 4]`.
 * @param options.present `[S, T]` 1 where the target is annotated (default: every frame).
 */
export function boxTrackingMetrics(
  pred: Numeric,
  target: Numeric,
  shape: readonly number[],
  options: { present?: BoolLike; successThreshold?: number } = {},
): BoxTrackingMetrics {
  const { S, T } = assertShape('pred', shape, ['S', 'T', 4]);
  assertShape('target', [target.length], [pred.length]);
  const present = options.present === undefined ? undefined : toBinary('present', options.present, [S, T]);
  const thr = options.successThreshold ?? 0.5;
  const perSequence = new Float64Array(S);
  let iouSum = 0;
  let successSum = 0;
  let counted = 0;
  let frames = 0;
  for (let s = 0; s < S; s++) {
    let sum = 0;
    let hits = 0;
    let n = 0;
    for (let t = 1; t < T; t++) {
      const i = s * T + t;
      if (present && present[i] === 0) continue;
      checkBox('pred', pred, i, 4 * i);
      checkBox('target', target, i, 4 * i);
      const iou = boxIou(pred, target, 4 * i, 4 * i);
      sum += iou;
      if (iou >= thr) hits++;
      n++;
    }
    perSequence[s] = n === 0 ? Number.NaN : sum / n;
    frames += n;
    if (n > 0) {
      iouSum += sum / n;
      successSum += hits / n;
      counted++;
    }
  }
  return {
    meanIou: counted === 0 ? Number.NaN : iouSum / counted,
    successRate: counted === 0 ? Number.NaN : successSum / counted,
    perSequence,
    frames,
  };
}
