export { main, parseArgs } from './cli';
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
