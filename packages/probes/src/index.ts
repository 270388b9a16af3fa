/**
 * `@vfmkit/probes`, the runtime-free root: the adaptation vocabulary and configs, task definitions
 * (ground truth to targets, outputs to predictions, metrics from `@vfmkit/metrics`), the synth4d task
 * registry and suites, and the feature cache. It loads no ML runtime; heads, training and backbone
 * adaptation (TensorFlow.js) live in `@vfmkit/probes/tfjs`.
 */
export {
  ADAPTER_TARGETS,
  type AdaptationConfig,
  type AdaptationConfigInput,
  type AdapterAdaptation,
  type AdapterTarget,
  adaptationConfigSchema,
  type BackboneAdaptationConfig,
  describeAdaptation,
  type FinetuneAdaptation,
  type FrozenAdaptation,
  parseAdaptationConfig,
  parseBackboneAdaptation,
  readoutOf,
} from './adaptations/config';
export {
  type ComputeRows,
  type FeatureArrays,
  FeatureCache,
  type FeatureCacheKey,
  hashEncoderFile,
} from './cache/feature-cache';
export {
  type ArrayWithShape,
  type FeatureRows,
  type Features,
  featureRows,
  pickRows,
} from './cache/feature-rows';
export { FeatureCacheError, ProbeError } from './errors';
export {
  type ProbeHeadConfig,
  type ProbeHeadConfigInput,
  parseProbeHeadConfig,
  probeHeadConfigSchema,
} from './heads/config';
export type { ProbeCost } from './heads/probe-head';
export type { ProbeLoss } from './heads/train';
export { actionsTask } from './tasks/actions';
export { type BoxPredictions, boxTrackingTask } from './tasks/box-tracking';
export {
  cameraPoseTask,
  type PosePredictions,
  type PoseTaskMetrics,
  relativePoses,
} from './tasks/camera-pose';
export {
  type ClassificationTaskMetrics,
  type ClassificationTaskSpec,
  type ClassPredictions,
  classificationTask,
  type MultiLabelTaskSpec,
  multiLabelClassificationTask,
} from './tasks/classification';
export { type DepthTaskMetrics, depthTask, type TokenDepth, tokenDepth } from './tasks/depth';
export {
  hasManifestTask,
  labelsOnClip,
  MANIFEST_TASKS,
  type ManifestAnnotations,
  type ManifestLabels,
  type ManifestTaskName,
  manifestTask,
} from './tasks/manifest-tasks';
export { pointTrackingTask, type TrackPredictions } from './tasks/point-tracking';
export { SYNTH4D_SUITES, SYNTH4D_TASK_HEADS, type Synth4dSuiteName, synth4dTaskHead } from './tasks/registry';
export {
  type ActorActionPredictions,
  type KeyframeBox,
  type SpatiotemporalSpec,
  spatiotemporalLocalizationTask,
  spatiotemporalTask,
} from './tasks/spatiotemporal-localization';
export {
  ALL_READOUTS,
  checkReadout,
  POOLER_READOUTS,
  poolerHeads,
  type ReadoutKind,
  type ReadoutTask,
  type Synth4dTask,
  type TaskGeometry,
  type TaskMetric,
  type TaskTargets,
} from './tasks/task';
export {
  type FrameSegment,
  type TemporalLocalizationSpec,
  type TemporalPredictions,
  type TemporalTaskMetrics,
  temporalLocalizationTask,
  temporalTask,
} from './tasks/temporal-localization';
