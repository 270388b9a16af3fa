import { ConfigError } from '@vfmkit/core';
import { MetricInputError } from './errors';
import { argsortDescending, type BoolLike, checkFinite, type Numeric, toBinary } from './internal/check';

/**
 * Average precision of a ranked list of detections, each already marked true or false positive, with
 * the precision envelope used by PASCAL VOC 2010+, ActivityNet and AVA: precision is made monotone
 * non-increasing from the right, then integrated over the recall steps.
 *
 * @param isTruePositive one flag per detection, in rank order (highest score first).
 * @param numPositives the number of ground-truth instances (missed ones lower recall).
 * @returns AP in [0, 1]; `NaN` when `numPositives` is 0 (AP is undefined without positives).
 */
export function envelopeAp(isTruePositive: BoolLike, numPositives: number): number {
  if (!Number.isInteger(numPositives) || numPositives < 0)
    throw new MetricInputError(`numPositives must be a non-negative integer, got ${numPositives}`, {
      name: 'numPositives',
      value: numPositives,
    });
  if (numPositives === 0) return Number.NaN;
  const n = isTruePositive.length;
  // recall and precision with sentinels: rec = [0, r_1..r_n, 1], prec = [0, p_1..p_n, 0]
  const rec = new Float64Array(n + 2);
  const prec = new Float64Array(n + 2);
  let tp = 0;
  for (let i = 0; i < n; i++) {
    if (isTruePositive[i] === true || isTruePositive[i] === 1) tp++;
    rec[i + 1] = tp / numPositives;
    prec[i + 1] = tp / (i + 1);
  }
  if (tp > numPositives)
    throw new MetricInputError(`${tp} true positives exceed the ${numPositives} ground-truth instances`, {
      name: 'isTruePositive',
      truePositives: tp,
      numPositives,
    });
  rec[n + 1] = 1;
  for (let i = n; i >= 0; i--) prec[i] = Math.max(prec[i], prec[i + 1]);
  let ap = 0;
  for (let i = 1; i <= n + 1; i++) if (rec[i] !== rec[i - 1]) ap += (rec[i] - rec[i - 1]) * prec[i];
  return ap;
}

/**
 * Non-interpolated average precision of a binary ranking (the definition of scikit-learn's
 * `average_precision_score`, used for Charades-style multi-label mAP):
 * `AP = sum_n (R_n - R_{n-1}) P_n` over distinct score thresholds, highest first. Tied scores form one
 * threshold, so the result does not depend on the order of ties.
 *
 * @param scores `[N]` any finite scores, higher = more confident.
 * @param labels `[N]` 1 (or true) for positives, 0 for negatives.
 * @returns AP in [0, 1]; `NaN` when there are no positives.
 */
export function averagePrecision(scores: Numeric, labels: BoolLike): number {
  checkFinite('scores', scores, [scores.length]);
  const y = toBinary('labels', labels, [scores.length]);
  let positives = 0;
  for (let i = 0; i < y.length; i++) positives += y[i];
  if (positives === 0) return Number.NaN;
  const order = argsortDescending(scores);
  let tp = 0;
  let seen = 0;
  let prevRecall = 0;
  let ap = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    tp += y[i];
    seen++;
    const last = k === order.length - 1 || scores[order[k + 1]] !== scores[i];
    if (!last) continue;
    const recall = tp / positives;
    ap += (recall - prevRecall) * (tp / seen);
    prevRecall = recall;
  }
  return ap;
}

/** The tIoU / IoU thresholds 0.50, 0.55, ..., 0.95 of ActivityNet and COCO, exact to the decimal. */
export function iouThresholds(from = 0.5, to = 0.95, step = 0.05): number[] {
  if (!(step > 0) || !(to >= from))
    throw new ConfigError(`iouThresholds: need step > 0 and to >= from, got ${from}:${step}:${to}`, {
      key: 'step',
      from,
      to,
      step,
    });
  const out: number[] = [];
  const n = Math.round((to - from) / step);
  for (let i = 0; i <= n; i++) out.push(Number((from + i * step).toFixed(10)));
  return out;
}
