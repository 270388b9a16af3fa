import { ConfigError } from '@vfmkit/core';
import { envelopeAp } from './average-precision';
import { type Box, boxIou, checkBox } from './box-iou';
import { MetricInputError } from './errors';
import { argsortDescending, maxLabel, nanMean } from './internal/check';

/** One labelled box on one keyframe (AVA style: a person box with one action label). */
export interface FrameBox {
  /** The keyframe, e.g. `${videoId}@${timestamp}`; matching happens only within a keyframe. */
  frame: string | number;
  box: Box;
  label: number;
  /** Confidence, required for detections. */
  score?: number;
}

/** Frame-mAP result: mean and per-class AP. */
export interface FrameMapResult {
  /** Mean AP over classes with at least one ground-truth box; `NaN` if none has any. */
  map: number;
  /** `[C]` AP per class; `NaN` for classes without ground truth. */
  apPerClass: Float64Array;
  classesEvaluated: number;
}

function check(name: string, boxes: readonly FrameBox[], needScore: boolean): void {
  boxes.forEach((b, i) => {
    checkBox(name, b.box, i);
    if (!Number.isInteger(b.label) || b.label < 0)
      throw new MetricInputError(`${name}[${i}]: label ${b.label} is not a class index`, { name, index: i });
    if (needScore && !Number.isFinite(b.score))
      throw new MetricInputError(`${name}[${i}]: detection has no finite score`, { name, index: i });
  });
}

/**
 * AP of one class (PASCAL VOC matching as in AVA's `per_image_evaluation`): on each frame, detections
 * in descending score each take the ground-truth box they overlap most; a hit needs IoU >= threshold on
 * a box not already taken, otherwise the detection is a false positive (a duplicate does not fall back
 * to its second-best box). Hits from all frames are ranked by score and scored with {@link envelopeAp}.
 */
export function frameAp(
  detections: readonly FrameBox[],
  groundTruth: readonly FrameBox[],
  iouThreshold = 0.5,
): number {
  if (groundTruth.length === 0) return Number.NaN;
  const gtByFrame = new Map<string | number, Box[]>();
  for (const g of groundTruth) {
    const list = gtByFrame.get(g.frame) ?? [];
    list.push(g.box);
    gtByFrame.set(g.frame, list);
  }
  const detByFrame = new Map<string | number, FrameBox[]>();
  for (const d of detections) {
    const list = detByFrame.get(d.frame) ?? [];
    list.push(d);
    detByFrame.set(d.frame, list);
  }
  const scores: number[] = [];
  const hits: number[] = [];
  for (const [frame, dets] of detByFrame) {
    const gts = gtByFrame.get(frame) ?? [];
    const taken = new Uint8Array(gts.length);
    for (const i of argsortDescending(dets.map((d) => d.score as number))) {
      const d = dets[i];
      let best = -1;
      let bestIou = -1;
      gts.forEach((g, j) => {
        const iou = boxIou(d.box, g);
        if (iou > bestIou) {
          bestIou = iou;
          best = j;
        }
      });
      let hit = 0;
      if (best >= 0 && bestIou >= iouThreshold && !taken[best]) {
        taken[best] = 1;
        hit = 1;
      }
      scores.push(d.score as number);
      hits.push(hit);
    }
  }
  const order = argsortDescending(scores);
  return envelopeAp(
    order.map((i) => hits[i]),
    groundTruth.length,
  );
}

/**
 * Frame-level mAP for spatio-temporal action localization (AVA v2.x, as used by VideoGLUE): AP per
 * action class at box IoU >= 0.5 over all keyframes, averaged over classes with ground truth.
 *
 * @param numClasses C; defaults to 1 + the largest label seen.
 */
export function frameMap(
  detections: readonly FrameBox[],
  groundTruth: readonly FrameBox[],
  options: { iouThreshold?: number; numClasses?: number } = {},
): FrameMapResult {
  check('detections', detections, true);
  check('groundTruth', groundTruth, false);
  const thr = options.iouThreshold ?? 0.5;
  if (!(thr > 0 && thr <= 1))
    throw new ConfigError(`iouThreshold must be in (0, 1], got ${thr}`, { key: 'iouThreshold' });
  const top = maxLabel(detections, groundTruth);
  const C = options.numClasses ?? top + 1;
  if (top >= C)
    throw new MetricInputError(`label ${top} is outside numClasses = ${C}`, { name: 'label', value: top });
  const apPerClass = new Float64Array(C);
  let evaluated = 0;
  for (let c = 0; c < C; c++) {
    apPerClass[c] = frameAp(
      detections.filter((d) => d.label === c),
      groundTruth.filter((g) => g.label === c),
      thr,
    );
    if (!Number.isNaN(apPerClass[c])) evaluated++;
  }
  return { map: nanMean(apPerClass), apPerClass, classesEvaluated: evaluated };
}
