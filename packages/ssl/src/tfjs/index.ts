export { updateMomentumTarget } from './ema';
export { head, initHead } from './heads';
export { l2Normalize, stopGradient } from './internal/ops';
export {
  buildModel,
  createJointEmbedding,
  type JointEmbeddingModel,
  type JointEmbeddingSpec,
  SSL_STATS,
  type SslAfterStepContext,
  type SslStepContext,
} from './joint-embedding';
export { byolLoss } from './losses/byol';
export { mocoContrast, mocoV3Loss, ntXentLoss } from './losses/contrastive';
export { type DinoTemperatures, dinoLoss, dinoTeacherMean, updateDinoCenter } from './losses/dino';
export { embeddingStd } from './losses/embedding-std';
export { VICREG_EPS, type VicregTerms, type VicregWeights, vicregLoss } from './losses/vicreg';
