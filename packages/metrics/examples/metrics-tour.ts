/**
 * One call of each metric family on a hand-sized input (the README's example).
 *
 *   npx tsx --conditions=@vfmkit/source packages/metrics/examples/metrics-tour.ts
 */
import {
  boxTrackingMetrics,
  cameraPoseMetrics,
  depthMetrics,
  frameMap,
  multiLabelMap,
  tapVidMetrics,
  temporalLocalizationMap,
  topKAccuracy,
} from '../src/index';

// Classification: top-1 of 2 clips over 3 classes; multi-label mAP over 2 classes.
const top1 = topKAccuracy([0.1, 0.7, 0.2, 0.5, 0.3, 0.2], [2, 3], [1, 2], 1);
const ml = multiLabelMap([0.9, 0.1, 0.2, 0.8], [2, 2], [1, 0, 0, 1]);

// Temporal localization: ActivityNet mAP averaged over tIoU 0.50:0.05:0.95.
const tl = temporalLocalizationMap(
  [{ video: 'a', start: 0, end: 9, label: 0, score: 0.9 }],
  [{ video: 'a', start: 0, end: 10, label: 0 }],
);

// Spatio-temporal localization: frame-mAP at box IoU 0.5 (AVA style).
const st = frameMap(
  [{ frame: 'f1', box: [0, 0, 0.5, 0.5], label: 0, score: 0.8 }],
  [{ frame: 'f1', box: [0, 0, 0.5, 0.6], label: 0 }],
);

// Depth: AbsRel, delta < 1.25^k, median-aligned, over one 2 x 2 image.
const d = depthMetrics(new Float32Array([1, 2.5, 4, 4]), new Float32Array([1, 2, 4, 8]), [1, 2, 2], {
  alignment: 'median',
});

// TAP-Vid (positions in a 256 x 256 frame): AJ, <delta_avg, OA; one point over 4 frames.
const tap = tapVidMetrics({
  queryPoints: [0, 10, 10],
  gtOccluded: [0, 0, 0, 1],
  predOccluded: [0, 0, 1, 0],
  gtTracks: [10, 10, 20, 20, 30, 30, 40, 40],
  predTracks: [10, 10, 23, 20, 30, 30, 40, 40],
  shape: [1, 1, 4],
  queryMode: 'first',
});

// Box tracking: mean IoU after the given first box; 1 track over 3 frames.
const bt = boxTrackingMetrics(
  [0, 0, 10, 10, 0, 0, 10, 10, 5, 0, 15, 10],
  [0, 0, 10, 10, 0, 0, 10, 10, 0, 0, 10, 10],
  [1, 3, 4],
);

// Camera pose: 3 camera-to-world poses (4 x 4, row-major), predicted = truth moved by a similarity.
const eye = (x: number) => [1, 0, 0, x, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
const pose = cameraPoseMetrics(
  [...eye(0), ...eye(2), ...eye(4)],
  [...eye(0), ...eye(1), ...eye(2)],
  [3, 4, 4],
);

console.log({
  top1,
  multiLabelMap: ml.map,
  temporalMap: tl.map,
  frameMap: st.map,
  depthAbsRel: d.absRel,
  depthDelta1: d.delta1,
  tapVidAJ: tap.averageJaccard,
  boxMeanIou: bt.meanIou,
  poseAte: pose.ate,
  poseAuc30: pose.auc,
});
