export { writeFileAtomic } from './atomic-write';
export { describeMachine, markdownTable, medianMs } from './bench';
export { CheckpointError, ConfigError, ShapeError, VfmError } from './errors';
export {
  configErrorFromIssues,
  issueKey,
  parseConfig,
  type SafeParseResult,
  type SafeParser,
  type SchemaIssue,
} from './parse-config';
export {
  createProgress,
  formatDuration,
  type ProgressFields,
  type ProgressOptions,
  type ProgressReporter,
} from './progress';
export { Rng, type RngState, type SeedOrRng, toRng } from './rng';
export {
  bfloat16ToFloat32,
  DTYPES,
  type Dtype,
  type DtypeArrays,
  float16ToFloat32,
  float32ToBfloat16,
  float32ToFloat16,
  isDtype,
  type TensorData,
  toFloat32,
} from './safetensors/dtype';
export { MAX_HEADER_BYTES, type SafetensorsHeader, type TensorInfo } from './safetensors/header';
export { parseSafetensors, readSafetensors, SafetensorsReader } from './safetensors/read';
export type { SafetensorsFile, Tensor } from './safetensors/tensor';
export { serializeSafetensors, writeSafetensors } from './safetensors/write';
export { assertLength, assertShape, type DimSpec, sizeOf } from './shape';
export { type Clip, type ClipBatch, type TokenGrid, type Tubelet, tokenCount, tokenGridOf } from './types';
export {
  tubeletVolume,
  type VitMacs,
  type VitShape,
  validateVitShape,
  vitBlockParameterCount,
  vitMacsBreakdown,
  vitShapeForwardMacs,
  vitShapeParameterCount,
} from './vit-shape';
