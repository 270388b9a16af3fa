export {
  loadVideoTowerCheckpoint,
  loadVideoTowerCheckpointSync,
  resolveVideoTower,
  saveVideoTowerCheckpoint,
  serializeVideoTowerCheckpoint,
  type VideoTowerConfig,
  videoTowerWeightSpecs,
} from '../internal/tower';
export {
  buildContrastiveModel,
  CONTRASTIVE_STATS,
  ContrastiveModel,
  type ContrastiveModelSpec,
  LOG_TEMPERATURE,
} from './contrastive-model';
export {
  buildDistillModel,
  DISTILL_STATS,
  type DistillBatchMasks,
  DistillModel,
  type DistillModelSpec,
  type DistillOutputs,
  shuffleTokens,
  type TeacherTargets,
  unshuffleTokens,
} from './distill-model';
export {
  clampLogTemperature,
  cosineDistanceLoss,
  type TemperatureBounds,
  videoTextContrastiveLoss,
} from './losses';
export type { TeacherSource } from './teacher';
export { TextTransformer } from './text/text-transformer';
export {
  POOL_EPS,
  VideoTower,
  type VideoTowerForwardOptions,
  type VideoTowerOutputs,
} from './video-tower';
