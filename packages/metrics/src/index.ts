export { averagePrecision, envelopeAp, iouThresholds } from './average-precision';
export { type Box, boxIou } from './box-iou';
export { type BoxTrackingMetrics, boxTrackingMetrics } from './box-tracking';
export {
  type CameraPoseMetrics,
  type CameraPoseOptions,
  cameraPoseMetrics,
  directionAngleDegrees,
  type PosePairs,
  rotationAngleDegrees,
} from './camera-pose';
export {
  type ClassificationResult,
  classificationAccuracy,
  type MultiLabelMapResult,
  multiLabelMap,
  topKAccuracy,
} from './classification';
export { type DepthAlignment, type DepthMetricOptions, type DepthMetrics, depthMetrics } from './depth';
export { MetricInputError } from './errors';
export { type PixelArray, psnr, type SsimOptions, ssim } from './image-quality';
export {
  scaleToTapVid,
  TAPVID_THRESHOLDS,
  type TapVidInputs,
  type TapVidMetrics,
  type TapVidQueryMode,
  tapVidMetrics,
} from './point-tracking';
export {
  type CrossModalRetrieval,
  crossModalRetrieval,
  type RetrievalResult,
  retrievalRecall,
} from './retrieval';
export { type FrameBox, type FrameMapResult, frameAp, frameMap } from './spatiotemporal-localization';
export {
  type FrameScoreSegmentOptions,
  type LabeledSegment,
  segmentsFromFrameScores,
  type TemporalLocalizationResult,
  temporalAp,
  temporalIou,
  temporalLocalizationMap,
  temporalNms,
} from './temporal-localization';
