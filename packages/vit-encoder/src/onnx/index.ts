export {
  defaultEncoderCacheDir,
  type EncoderSource,
  type EncoderSourceKind,
  type EncoderSourceOptions,
  loadEncoderWeights,
  resolveEncoderSource,
} from './encoder-source';
export {
  buildVitGraph,
  exportVitOnnx,
  positionTable,
  type VitOnnxExportOptions,
  type VitOnnxMeta,
  writeVitOnnx,
} from './export';
export { EncoderSourceError, OnnxOnlyEncoderError } from './source-errors';
export {
  type Embedding,
  type LongEmbedding,
  VideoEncoder,
  type VideoEncoderOptions,
  type WindowAggregation,
} from './video-encoder';
