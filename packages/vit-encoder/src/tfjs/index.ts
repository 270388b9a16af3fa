export { type MaeLossOptions, type MaeMasks, MaeModel } from './mae';
export { encoderPositions } from './positions';
export {
  checkVisible,
  clipPatches,
  gatherVisibleTokens,
  type VitForwardOptions,
  VitModel,
  type VitOutputs,
} from './vit-model';
