export { type BatchArrays, contrastiveBatch, distillBatch } from './batches';
export {
  type ContrastiveConfig,
  type ContrastiveConfigInput,
  contrastiveConfigSchema,
  type DistillConfig,
  type DistillConfigInput,
  distillConfigSchema,
  parseContrastiveConfig,
  parseDistillConfig,
  parseVideoTowerConfig,
  TEMPERATURE_DEFAULTS,
  type TemperatureConfig,
  temperatureSchema,
  type VideoTowerConfigInput,
  type VideoTowerConfigParsed,
  videoTowerConfigSchema,
} from './config';
export { EmptyCaptionError, TeacherMismatchError, UnknownTokenError } from './errors';
export { type DistillMasks, distillMasks, invertOrder, tubeDropBatch } from './masks';
export type { TeacherTargets } from './teacher-targets';
export {
  parseTextEncoderConfig,
  type TextEncoderConfig,
  type TextEncoderConfigInput,
  TextEncoderConfigSchema,
  textMlpDim,
} from './text/text-config';
export { TokenizerFormatError, TokenizerTrainerUnavailableError } from './text/text-errors';
export {
  TextTokenizer,
  type TextTokenizerTrainOptions,
  type TokenizedText,
} from './text/text-tokenizer';
export {
  checkTextWeights,
  TEXT_LAYER_NORM_EPS,
  TEXT_MASK_BIAS,
  type TextWeightSpec,
  type TextWeights,
  textWeightSpecs,
} from './text/text-weights';
export {
  SPECIAL_TOKENS,
  type TokenizerJson,
  TRAINER_PACKAGE,
  TRAINER_VERSION,
  type VocabularyKind,
} from './text/train-vocabulary';
export { classEmbeddings, classPrompts, DEFAULT_PROMPT_TEMPLATES, zeroShotClassify } from './zero-shot';
