export { type CodebookStats, codebookStats } from './codebook-stats';
export {
  budgetTokens,
  codebookSize,
  codeDim,
  fsqSchema,
  lfqSchema,
  parseTokenizerConfig,
  stageCount,
  stageFactors,
  type TokenizerConfig,
  type TokenizerConfigInput,
  tokenizerConfigSchema,
  tokenizerGrid,
  tokensPerClip,
} from './config';
export { ClipSizeError, CodebookOverflowError } from './errors';
export {
  FSQ_EPS,
  fsqBasis,
  fsqBound,
  fsqCodebookSize,
  fsqCodesToIndices,
  fsqConstants,
  fsqIndicesToCodes,
  fsqQuantize,
  MAX_INT32_ID,
  roundHalfEven,
} from './fsq';
export { latentGrid } from './latent-grid';
export { lfqCodebook, lfqCodebookSize, lfqCodesToIndices, lfqIndicesToCodes, lfqQuantize } from './lfq';
