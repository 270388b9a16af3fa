export { type TokenGrid, tokenCount, tokenGridOf } from '@vfmkit/core';
export { renderMaskAscii } from './ascii';
export { type BlockMaskOptions, blockMask } from './block-mask';
export { type Budget, resolveBudget } from './budget';
export {
  type DecoderBatchSource,
  type DecoderMask,
  type DecoderMaskBatch,
  type DecoderMaskSpec,
  type DecoderSource,
  decoderMask,
  decoderMaskBatch,
} from './decoder-mask';
export {
  adaptiveDecoderMask,
  allDecoderMask,
  randomDecoderMask,
  runningCellDecoderMask,
  uniformDecoderMask,
} from './decoder-strategies';
export {
  type EncoderMaskSpec,
  encoderMask,
  encoderMaskBatch,
  hiddenMaskBatch,
  type RunningCellOptions,
} from './encoder-mask';
export { MaskBudgetError, PriorityError, RaggedBatchError, TokenIndexError } from './errors';
export { gatherTokens, scatterTokens } from './gather';
export { checkGrid, hiddenCount, type MaskRounding } from './grid';
export type { CellSize } from './internal/running-cell';
export { randomMask } from './random-mask';
export { runningCellMask } from './running-cell-mask';
export {
  maskRow,
  type TokenMask,
  type TokenMaskBatch,
  tokenMaskFromHidden,
} from './token-mask';
export { type TokenShuffle, tokenShuffle, tokenShuffleBatch } from './token-shuffle';
export { tubeMask } from './tube-mask';
