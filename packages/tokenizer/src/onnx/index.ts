export {
  buildTokenizerDecoderGraph,
  buildTokenizerEncoderGraph,
  exportTokenizerOnnx,
  type TokenizerOnnxMeta,
  type TokenizerWeights,
} from './export';
export { type TokenizedClips, VideoTokenizer, type VideoTokenizerOptions } from './video-tokenizer';
