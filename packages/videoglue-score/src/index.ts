export {
  type AdaptationSetup,
  type AdapterOptions,
  adaptationCosts,
  attentivePoolerCost,
  bottleneckAdapterCost,
  costsOf,
  encoderCost,
  FLOPS_PER_MAC,
  type LoraTarget,
  loraCost,
  type MethodCost,
  type ModuleCost,
  multiLayerPoolerCost,
  type PoolerCostOptions,
  VIDEOGLUE_VIT_B,
} from './costs';
export {
  type EntryPath,
  InvalidCostError,
  InvalidScoreError,
  MissingMethodError,
  ResultsFileError,
  UnknownDatasetError,
  UnknownMethodError,
} from './errors';
export {
  ADAPTATION_METHOD_IDS,
  ADAPTATION_METHODS,
  ADAPTER_KINDS,
  type AdaptationMethodId,
  type AdapterKind,
  BUILTIN_METHODS,
  type BuiltinMethodId,
  isAdaptationMethodId,
  type SuiteMethod,
  trainsBackbone,
} from './methods';
export {
  type MethodReport,
  type ModelReport,
  type ModelScores,
  methodAverages,
  type ScoreOptions,
  scoreModel,
  scoreModelTwoScenario,
  type TwoScenarioModelReport,
} from './model-score';
export { markdownReport, markdownResultTable, toVgsJson, type VgsJson } from './report';
export {
  modelCosts,
  parseResultsFile,
  type ResultRow,
  type ResultsFile,
  readResultsFile,
  resultRows,
  scoreResultsFile,
  type VgsReport,
  validateResultsFile,
} from './results-file';
export { RUN_COST_BASIS, type RunResult, type RunScores, scoreRuns } from './run-score';
export {
  checkCost,
  computeTwoScenarioVgs,
  computeVgs,
  type MethodWeight,
  type TwoScenarioCosts,
  type TwoScenarioResult,
  type VgsResult,
  vgsWeights,
} from './score';
export { checkScore, type DatasetScores, type StratifiedScore, stratifiedScore } from './stratified';
export { datasetGroups, defineSuite, type VgsSuite, VIDEOGLUE_SUITE, withGroups, withMethods } from './suite';
export { type TaskGroup, VIDEOGLUE_TASK_GROUPS } from './task-groups';
