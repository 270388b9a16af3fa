export { adaptBackbone, type BackboneAdaptation, isAdapterParam } from './adaptations/adapt-backbone';
export { adaptedCost } from './adaptations/adapted-cost';
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
  BACKBONE_LR_SCALE,
  type ClipSplit,
  type FitAdaptedTaskOptions,
  type FitAdaptedTaskResult,
  fitAdaptedTask,
} from './adaptations/fit-adapted-task';
export {
  predictAdapted,
  type TrainAdaptedOptions,
  type TrainAdaptedResult,
  trainAdapted,
} from './adaptations/train-adapted';
export {
  type ComputeRows,
  type FeatureArrays,
  FeatureCache,
  type FeatureCacheKey,
  hashEncoderFile,
} from './cache/feature-cache';
export { FeatureCacheError, ProbeError } from './errors';
export { pooledCrossAttention } from './heads/attention';
export {
  type ProbeHeadConfig,
  type ProbeHeadConfigInput,
  parseProbeHeadConfig,
  probeHeadConfigSchema,
} from './heads/config';
export { type ProbeCost, ProbeHead } from './heads/probe-head';
export {
  type ArrayWithShape,
  type ProbeLoss,
  predictProbe,
  probeLoss,
  type TrainProbeOptions,
  type TrainProbeResult,
  trainProbe,
} from './heads/train';
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
export { type FitTaskOptions, type FitTaskResult, fitTask, type TaskSplit } from './tasks/fit-task';
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
