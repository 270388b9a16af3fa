export { type Attrs, type AttrValue, attr, type ConstTensor } from './attributes';
export { cpuHasVnni } from './cpu-features';
export {
  allocate,
  arrayMatches,
  type ElemArray,
  type ElemArrays,
  type ElemType,
  elemTypeOf,
  ONNX_DATA_TYPE,
  type TypedTensor,
  tensor,
} from './dtype';
export { CudaUnavailableError, OnnxGraphError, OnnxRunError, OnnxSessionError } from './errors';
export { GraphBuilder, type GraphBuilderOptions, type WeightStorage } from './graph-builder';
export { type Dim, GraphCore, type GraphOptions } from './graph-core';
export { type ModelInfo, readModelInfo } from './model-info';
export { dequantizeInt8, type Int8Weights, quantizeInt8PerChannel } from './quantize';
export {
  CUDA_INSTALL_HINT,
  type Device,
  OnnxSession,
  openSession,
  type Provider,
  resetCudaProbe,
  type SessionOptions,
  type ValueSpec,
} from './session';
export { checkRunTokens, DEFAULT_RUN_TOKENS, rowsPerRun, runInSlices } from './slices';
