export { loadVitCheckpoint, saveVitCheckpoint } from './checkpoint';
export {
  IMAGENET_MEAN,
  IMAGENET_STD,
  parseVitConfig,
  patchDim,
  type VitConfig,
  type VitConfigInput,
  vitConfigSchema,
  vitTokenGrid,
} from './config';
export {
  maeDecoderMacs,
  maeDecoderParameterCount,
  vitForwardFlops,
  vitForwardMacs,
  vitParameterCount,
  vitShapeOf,
  vitWeightCount,
} from './counting';
export {
  type MaeDecoderConfig,
  type MaeDecoderConfigInput,
  maeDecoderSchema,
  parseMaeDecoderConfig,
} from './mae-config';
export {
  checkWeights,
  initMaeDecoderWeights,
  initVitWeights,
  type NamedWeights,
  type WeightTensor,
} from './named-weights';
export { patchify, patchTargets } from './patches';
export { gridInterpolationMatrix, interpolatePositions, linearWeights, sincosTable } from './pos-embed';
export {
  decodeVariant,
  maeDecoderFor,
  VIT_VARIANTS,
  type VitSize,
  type VitVariant,
} from './variants';
export {
  type AllowUnused,
  type HfVideoMaeConfig,
  importVideoMae,
  isVideoMaePretrainingTensor,
  loadVideoMae,
  UnusedWeightsError,
  VIDEOMAE_FC_NORM_EPS,
  VIDEOMAE_KEY_MAP,
  type VideoMaeConfigOptions,
  type VideoMaeKeyRule,
  videoMaeConfig,
} from './videomae';
export { transposed, weightData } from './weight-layout';
export { maeDecoderWeightSpecs, maeTargetDim, vitWeightSpecs, type WeightSpec } from './weights';
