export { type MaeLossOptions, type MaeMasks, MaeModel } from './mae';
export { encoderPositions } from './positions';
export {
  checkVisible,
  clipPatches,
  gatherTokens,
  type VitForwardOptions,
  VitModel,
  type VitOutputs,
} from './vit-model';
