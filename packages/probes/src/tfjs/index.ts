/**
 * `@vfmkit/probes/tfjs`: probe heads, their training and prediction, `fitTask`, and backbone
 * adaptation (`adaptBackbone`, `trainAdapted`, `fitAdaptedTask`) on TensorFlow.js (through `@vfmkit/nn`).
 * Configs, tasks and types (`ProbeCost`, `ArrayWithShape`, ...) come from the root, `@vfmkit/probes`.
 */
export { adaptBackbone, type BackboneAdaptation, isAdapterParam } from '../adaptations/adapt-backbone';
export { adaptedCost } from '../adaptations/adapted-cost';
export {
  BACKBONE_LR_SCALE,
  type ClipSplit,
  type FitAdaptedTaskOptions,
  type FitAdaptedTaskResult,
  fitAdaptedTask,
} from '../adaptations/fit-adapted-task';
export {
  predictAdapted,
  type TrainAdaptedOptions,
  type TrainAdaptedResult,
  trainAdapted,
} from '../adaptations/train-adapted';
export { pooledCrossAttention } from '../heads/attention';
export { ProbeHead } from '../heads/probe-head';
export {
  predictProbe,
  probeLoss,
  type TrainProbeOptions,
  type TrainProbeResult,
  trainProbe,
} from '../heads/train';
export { type FitTaskOptions, type FitTaskResult, fitTask, type TaskSplit } from '../tasks/fit-task';
