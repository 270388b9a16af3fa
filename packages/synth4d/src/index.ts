export {
  type ActionLabels,
  type ActorBox,
  actionLabels,
  boxesFromSegmentation,
  caption,
  dominantMotion,
  MOTION_VERBS,
  type ObjectBoxes,
  type TemporalSegment,
} from './annotations';
export {
  type CameraFrame,
  cameraFrame,
  extrinsicMatrix,
  type Intrinsics,
  intrinsicsOf,
  project,
} from './camera';
export { parseSceneConfig, type SceneConfig, type SceneConfigInput, sceneConfigSchema } from './config';
export { type DatasetManifest, type GenerateOptions, generateDataset, readDataset } from './dataset';
export type { Mat3, Vec3 } from './internal/mat';
export {
  CAMERA_MOTIONS,
  type CameraMotion,
  COLOR_NAMES,
  COLORS,
  MAX_OBJECTS,
  MOTION_CLASSES,
  type MotionClass,
  SHAPES,
  type ShapeKind,
  TEXTURES,
  type TextureKind,
} from './labels';
export { type Synth4dBatch, type Synth4dBatchesOptions, synth4dBatches } from './loader';
export { type CameraProgram, cameraAt, type MotionSegment, type Pose, poseAt, segmentAt } from './motion';
export { RenderPool, RenderWorkerError } from './pool';
export {
  type Difficulty,
  SPLITS,
  type Split,
  splitSeed,
  TASK_PRESETS,
  TASKS,
  type TaskName,
  type TaskPreset,
  taskConfig,
  taskPreset,
} from './presets';
export { type PreviewOptions, previewFrames, writePreviewGif, writePreviewPng } from './preview';
export { type RenderedFrames, renderScene } from './render';
export { renderSample, type Synth4dSample, sampleScene } from './sample';
export { generateScene, type Scene, type SceneObject } from './scene';
export { type IndexEntry, indexEntry, packSamples, readShard, type Shard } from './shards';
export { Tracer } from './tracer';
export { type PointTracks, queryFrames, sampleTracks } from './tracks';
