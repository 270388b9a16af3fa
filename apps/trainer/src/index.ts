/** The trainer app's public entry: the training loop, its recipes and configs, studies and the demo. */
export { main } from './cli';
export { resolveConfig } from './config/load-config';
export { type TrainConfig, type TrainConfigInput, trainConfigSchema } from './config/schema';
export { runDemo } from './demo';
export type { Recipe } from './recipes/recipe';
export { RECIPES, recipeOf } from './recipes/registry';
export { type CellResult, runStudy, type StudyRun } from './study/run-study';
export type { CellPlan, Study } from './study/study';
export { writeStudyReport } from './study/study-report';
export { runFiles, type TrainOptions, type TrainResult, train } from './train/train';
