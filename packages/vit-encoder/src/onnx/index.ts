export {
  buildVitGraph,
  exportVitOnnx,
  positionTable,
  type VitOnnxExportOptions,
  type VitOnnxMeta,
  writeVitOnnx,
} from './export';
export {
  type Embedding,
  type LongEmbedding,
  VideoEncoder,
  type VideoEncoderOptions,
  type WindowAggregation,
} from './video-encoder';
