export { type CliOptions, main, parseArgs } from './cli';
export { EvaluatorError, UnreadableVideosError } from './errors';
export {
  type EncoderEntry,
  type EvalReport,
  evaluate,
  type PictureEntry,
  type ResultEntry,
  type SkippedVideo,
} from './evaluate';
export {
  ADAPTATIONS,
  type Adaptation,
  type EvaluateOptions,
  parseEncoderSpecs,
  parseEvaluateOptions,
  SUITES,
} from './options';
export {
  LABEL_TEMPLATES,
  MOTION_TEMPLATES,
  videoTextFolder,
  type ZeroShotOptions,
  type ZeroShotReport,
  type ZeroShotRow,
  zeroShotEvaluate,
  zeroShotMarkdown,
} from './zero-shot';
