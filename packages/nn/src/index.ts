export { gelu } from './activations';
export { AdamW, type AdamWConfig, AdamWConfigSchema, defaultDecay } from './adamw';
export { bottleneckAdapter, initBottleneckAdapter } from './adapters';
export {
  type AttentionOptions,
  crossAttention,
  initCrossAttention,
  initSelfAttention,
  scaledDotProductAttention,
  selfAttention,
} from './attention';
export { type BackendChoice, type BackendName, type InitBackendOptions, initBackend, tf } from './backend';
export { type BlockOptions, initTransformerBlock, transformerBlock } from './block';
export {
  type AssignOptions,
  type AssignReport,
  assignParams,
  loadParams,
  paramsToTensors,
  saveParams,
  serializeParams,
} from './checkpoint';
export { type Conv3dInit, conv3d, conv3dSame, initConv3d } from './conv3d';
export { DataParallel, type DataParallelOptions, shardBatch } from './data-parallel';
export { dense, initDense, initLora, type LinearInit, type LoraInit } from './dense';
export { Ema } from './ema';
export { embedding, gatherRows, initEmbedding } from './embedding';
export { BackendError, ParamError, WorkerError } from './errors';
export {
  clipGlobalNorm,
  computeGradients,
  disposeGrads,
  GradientAccumulator,
  type GradientOptions,
  type Grads,
  globalNorm,
} from './gradients';
export { truncNormal, xavierUniform } from './init';
export { initLayerNorm, layerNorm } from './layer-norm';
export { LossScaler, type LossScalerOptions } from './loss-scale';
export { matmul, matmulTransposed } from './matmul';
export { initMlp, mlp } from './mlp';
export {
  addParam,
  createParams,
  disposeParams,
  getParam,
  type Params,
  paramCount,
  paramNames,
  setTrainable,
} from './params';
export { attentionPool, initAttentionPool, type PoolerOptions } from './pooler';
export { dropout, dropPath } from './regularization';
export { type CosineScheduleConfig, CosineScheduleSchema, cosineSchedule } from './schedule';
export {
  type AfterStepContext,
  applyUpdate,
  type Batch,
  batchToTensors,
  type StepContext,
  type StepResult,
  type TrainableModel,
  trainStep,
  type UpdateOptions,
} from './train-step';
