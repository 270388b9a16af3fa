import { assertShape, ConfigError } from '@vfmkit/core';
import { envelopeAp, iouThresholds } from './average-precision';
import { MetricInputError } from './errors';
import { argsortDescending, checkFinite, maxLabel, type Numeric, nanMean } from './internal/check';

/** A temporal segment `[start, end)` in seconds (or frames) of one video, with its class. */
export interface LabeledSegment {
  /** Which video the segment belongs to; matching happens only within a video. */
  video: string | number;
  start: number;
  end: number;
  label: number;
  /** Confidence, required for detections, ignored for ground truth. */
  score?: number;
}

/**
 * Temporal IoU of two intervals: `|a ∩ b| / |a ∪ b|` (ActivityNet's `segment_iou`, continuous time).
 * Zero-length intervals have tIoU 0 with everything, themselves included (their union is empty).
 */
export function temporalIou(aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const inter = Math.max(0, Math.min(aEnd, bEnd) - Math.max(aStart, bStart));
  const union = aEnd - aStart + (bEnd - bStart) - inter;
  return union > 0 ? inter / union : 0;
}

function checkSegments(name: string, segs: readonly LabeledSegment[], needScore: boolean): void {
  segs.forEach((s, i) => {
    if (!Number.isFinite(s.start) || !Number.isFinite(s.end) || s.end < s.start)
      throw new MetricInputError(
        `${name}[${i}]: segment [${s.start}, ${s.end}] is not a finite interval with end >= start`,
        {
          name,
          index: i,
        },
      );
    if (!Number.isInteger(s.label) || s.label < 0)
      throw new MetricInputError(`${name}[${i}]: label ${s.label} is not a class index`, { name, index: i });
    if (needScore && !Number.isFinite(s.score))
      throw new MetricInputError(`${name}[${i}]: detection has no finite score`, { name, index: i });
  });
}

/**
 * Greedy 1-D non-maximum suppression: keeps the highest-scoring segment, drops every other segment of
 * the same video (and the same class unless `classAgnostic`) whose tIoU with it exceeds
 * `iouThreshold`, repeats. Returns the kept segments, highest score first.
 */
export function temporalNms(
  detections: readonly LabeledSegment[],
  iouThreshold: number,
  options: { classAgnostic?: boolean } = {},
): LabeledSegment[] {
  checkSegments('detections', detections, true);
  if (!(iouThreshold >= 0 && iouThreshold <= 1))
    throw new ConfigError(`iouThreshold must be in [0, 1], got ${iouThreshold}`, { key: 'iouThreshold' });
  const order = argsortDescending(detections.map((d) => d.score as number));
  const kept: LabeledSegment[] = [];
  for (const i of order) {
    const d = detections[i];
    const suppressed = kept.some(
      (k) =>
        k.video === d.video &&
        (options.classAgnostic || k.label === d.label) &&
        temporalIou(k.start, k.end, d.start, d.end) > iouThreshold,
    );
    if (!suppressed) kept.push(d);
  }
  return kept;
}

/** Options of {@link segmentsFromFrameScores}. */
export interface FrameScoreSegmentOptions {
  video: string | number;
  /** A frame belongs to a class's segment when its score is >= this. */
  threshold: number;
  /** Seconds per frame (1 = keep frame units). Frame f covers `[f, f + 1) * frameSeconds`. */
  frameSeconds?: number;
  /** Drop segments shorter than this many frames. */
  minFrames?: number;
}

/**
 * Turns per-time class scores into scored segments: each maximal run of frames whose score for class c
 * is >= `threshold` becomes one segment of class c, scored by the mean score over the run.
 *
 * @param scores `[T, C]` per-frame class scores (e.g. sigmoid outputs), row-major.
 * @param shape `[T, C]`.
 */
export function segmentsFromFrameScores(
  scores: Numeric,
  shape: readonly number[],
  options: FrameScoreSegmentOptions,
): LabeledSegment[] {
  const { T, C } = assertShape('scores', shape, ['T', 'C']);
  checkFinite('scores', scores, shape);
  const dt = options.frameSeconds ?? 1;
  const minFrames = options.minFrames ?? 1;
  if (!(dt > 0)) throw new ConfigError(`frameSeconds must be > 0, got ${dt}`, { key: 'frameSeconds' });
  const out: LabeledSegment[] = [];
  for (let c = 0; c < C; c++) {
    let start = -1;
    let sum = 0;
    for (let t = 0; t <= T; t++) {
      const on = t < T && scores[t * C + c] >= options.threshold;
      if (on) {
        if (start < 0) start = t;
        sum += scores[t * C + c];
      } else if (start >= 0) {
        const len = t - start;
        if (len >= minFrames)
          out.push({ video: options.video, start: start * dt, end: t * dt, label: c, score: sum / len });
        start = -1;
        sum = 0;
      }
    }
  }
  return out;
}

/**
 * AP of one class at several tIoU thresholds (ActivityNet's `compute_average_precision_detection`):
 * detections sorted by score, each matched to the unmatched ground truth of its video with the highest
 * tIoU at or above the threshold; a ground truth is matched once, so duplicates are false positives.
 *
 * @returns `[K]` AP per threshold; `NaN` entries when the class has no ground truth.
 */
export function temporalAp(
  detections: readonly LabeledSegment[],
  groundTruth: readonly LabeledSegment[],
  thresholds: readonly number[],
): Float64Array {
  const K = thresholds.length;
  const result = new Float64Array(K);
  if (groundTruth.length === 0) return result.fill(Number.NaN);
  const order = argsortDescending(detections.map((d) => d.score as number));
  const byVideo = new Map<string | number, number[]>();
  groundTruth.forEach((g, j) => {
    const list = byVideo.get(g.video) ?? [];
    list.push(j);
    byVideo.set(g.video, list);
  });
  const tp = Array.from({ length: K }, () => new Uint8Array(order.length));
  const matched = Array.from({ length: K }, () => new Uint8Array(groundTruth.length));
  order.forEach((i, rank) => {
    const d = detections[i];
    const cands = (byVideo.get(d.video) ?? []).map((j) => ({
      j,
      iou: temporalIou(d.start, d.end, groundTruth[j].start, groundTruth[j].end),
    }));
    cands.sort((a, b) => b.iou - a.iou || a.j - b.j);
    for (let k = 0; k < K; k++) {
      for (const { j, iou } of cands) {
        if (iou < thresholds[k]) break;
        if (matched[k][j]) continue;
        matched[k][j] = 1;
        tp[k][rank] = 1;
        break;
      }
    }
  });
  for (let k = 0; k < K; k++) result[k] = envelopeAp(tp[k], groundTruth.length);
  return result;
}

/** Temporal localization mAP, per threshold and per class. */
export interface TemporalLocalizationResult {
  /** Mean over thresholds of the per-threshold mAP (the ActivityNet "average mAP"). */
  map: number;
  /** The tIoU thresholds used. */
  thresholds: number[];
  /** `[K]` mAP at each threshold, over classes with ground truth. */
  mapPerThreshold: Float64Array;
  /** `[C, K]` AP per class and threshold, row-major; `NaN` rows for classes without ground truth. */
  apPerClass: Float64Array;
  numClasses: number;
  /** Classes with at least one ground-truth segment (those averaged). */
  classesEvaluated: number;
}

/**
 * Temporal action localization mAP averaged over tIoU 0.50:0.05:0.95 (ActivityNet / VideoGLUE).
 * Classes with no ground-truth segment are left out of the means (`classesEvaluated` says how many
 * remain); a class with ground truth but no detection scores 0.
 *
 * @param numClasses C; defaults to 1 + the largest label seen.
 */
export function temporalLocalizationMap(
  detections: readonly LabeledSegment[],
  groundTruth: readonly LabeledSegment[],
  options: { thresholds?: readonly number[]; numClasses?: number } = {},
): TemporalLocalizationResult {
  checkSegments('detections', detections, true);
  checkSegments('groundTruth', groundTruth, false);
  const thresholds = [...(options.thresholds ?? iouThresholds())];
  for (const t of thresholds)
    if (!(t > 0 && t <= 1))
      throw new ConfigError(`tIoU thresholds must be in (0, 1], got ${t}`, { key: 'thresholds' });
  const top = maxLabel(detections, groundTruth);
  const C = options.numClasses ?? top + 1;
  if (top >= C)
    throw new MetricInputError(`label ${top} is outside numClasses = ${C}`, { name: 'label', value: top });
  const K = thresholds.length;
  const apPerClass = new Float64Array(C * K);
  let evaluated = 0;
  for (let c = 0; c < C; c++) {
    const ap = temporalAp(
      detections.filter((d) => d.label === c),
      groundTruth.filter((g) => g.label === c),
      thresholds,
    );
    apPerClass.set(ap, c * K);
    if (!Number.isNaN(ap[0])) evaluated++;
  }
  const mapPerThreshold = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const col = new Float64Array(C);
    for (let c = 0; c < C; c++) col[c] = apPerClass[c * K + k];
    mapPerThreshold[k] = nanMean(col);
  }
  return {
    map: nanMean(mapPerThreshold),
    thresholds,
    mapPerThreshold,
    apPerClass,
    numClasses: C,
    classesEvaluated: evaluated,
  };
}
