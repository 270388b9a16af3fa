export {
  loadTokenizer,
  loadTokenizerWeights,
  saveTokenizer,
  serializeTokenizer,
  TOKENIZER_CONFIG_KEY,
} from './checkpoint';
export {
  buildTokenizerModel,
  evaluateTokenizer,
  type TokenizerEvaluation,
  type TokenizerModelSpec,
  tokenizerBatch,
} from './evaluate';
export { gaussianNoise, perturbedTopk, topkMask } from './perturbed-topk';
export {
  commitmentLoss,
  fsqIdsTf,
  fsqQuantizeTf,
  lfqEntropyLoss,
  lfqIdsTf,
  lfqQuantizeTf,
  stopGradient,
} from './quantize';
export { depthToSpace, spaceToDepth } from './space-to-depth';
export {
  initTokenizerParams,
  type TokenizerLosses,
  TokenizerModel,
  type TokenizerOutputs,
} from './tokenizer-model';
export {
  stackClips,
  type TokenizerStepLog,
  type TrainTokenizerOptions,
  trainTokenizer,
  trainTokenizerSchema,
} from './train';
