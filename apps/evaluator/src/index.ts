export { main, parseArgs } from './cli';
export { EvaluatorError } from './errors';
export { type EncoderEntry, type EvalReport, evaluate, type ResultEntry } from './evaluate';
export {
  ADAPTATIONS,
  type Adaptation,
  type EvaluateOptions,
  parseEncoderSpecs,
  parseEvaluateOptions,
  SUITES,
} from './options';
