import { type EntryPath, MissingMethodError, UnknownMethodError } from './errors';
import { computeTwoScenarioVgs, computeVgs, type MethodWeight, type TwoScenarioCosts } from './score';
import { type DatasetScores, type StratifiedScore, stratifiedScore } from './stratified';
import { type VgsSuite, VIDEOGLUE_SUITE } from './suite';

/** A model's results: method -> dataset -> metric value in [0, 100] (`null`/absent = no result). */
export type ModelScores = Readonly<Record<string, DatasetScores>>;

/** One method in a model's report: S_i, w_i, C_i, the group means behind S_i and the groups missing. */
export interface MethodReport extends MethodWeight {
  readonly groups: Readonly<Record<string, number>>;
  readonly missingGroups: readonly string[];
}

/** A model's single-cost VGS with every method's part. */
export interface ModelReport {
  readonly vgs: number;
  readonly methods: Readonly<Record<string, MethodReport>>;
}

/** A model's two-scenario VGS: final = mean of the training-cost and inference-cost scores. */
export interface TwoScenarioModelReport {
  readonly vgs: number;
  readonly training: ModelReport;
  readonly inference: ModelReport;
}

export interface ScoreOptions {
  /** Groups and methods (default VideoGLUE's). */
  readonly suite?: VgsSuite;
  /** Model name, used in error messages. */
  readonly model?: string;
}

function checkMethods(keys: Iterable<string>, suite: VgsSuite, path: EntryPath): void {
  const known = suite.methods.map((m) => m.id);
  for (const method of keys) {
    if (!known.includes(method)) throw new UnknownMethodError({ ...path, method }, known);
  }
}

/** S_i for every method of the suite, in suite order. */
export function methodAverages(
  scores: ModelScores,
  options: ScoreOptions = {},
): Readonly<Record<string, StratifiedScore & { readonly score: number }>> {
  const suite = options.suite ?? VIDEOGLUE_SUITE;
  const path: EntryPath = options.model === undefined ? {} : { model: options.model };
  checkMethods(Object.keys(scores), suite, path);
  const out: Record<string, StratifiedScore & { score: number }> = {};
  for (const { id } of suite.methods) {
    const perDataset = scores[id];
    if (perDataset === undefined) throw new MissingMethodError({ ...path, method: id }, 'scores');
    const s = stratifiedScore(perDataset, suite, { ...path, method: id });
    if (s.score === null) throw new MissingMethodError({ ...path, method: id }, 'scores');
    out[id] = s as StratifiedScore & { score: number };
  }
  return out;
}

function withGroups(
  averages: Readonly<Record<string, StratifiedScore & { score: number }>>,
  weights: Readonly<Record<string, MethodWeight>>,
  vgs: number,
): ModelReport {
  const methods: Record<string, MethodReport> = {};
  for (const id of Object.keys(averages)) {
    const w = weights[id];
    const s = averages[id];
    methods[id] = {
      score: w.score,
      weight: w.weight,
      cost: w.cost,
      groups: s.groups,
      missingGroups: s.missingGroups,
    };
  }
  return { vgs, methods };
}

/**
 * A model's single-cost VGS from its per-dataset results and one cost per method (VideoPrism uses
 * trainable GFLOPs): S_i by {@link stratifiedScore}, then `sum_i w_i S_i` with w_i from 1 / log10(C_i).
 * @throws UnknownMethodError, MissingMethodError, UnknownDatasetError, InvalidScoreError, InvalidCostError
 */
export function scoreModel(
  scores: ModelScores,
  costs: Readonly<Record<string, number>>,
  options: ScoreOptions = {},
): ModelReport {
  const suite = options.suite ?? VIDEOGLUE_SUITE;
  const path: EntryPath = options.model === undefined ? {} : { model: options.model };
  const averages = methodAverages(scores, options);
  checkMethods(Object.keys(costs), suite, path);
  const s = Object.fromEntries(Object.entries(averages).map(([id, a]) => [id, a.score]));
  const result = computeVgs(s, costs, path);
  return withGroups(averages, result.methods, result.vgs);
}

/**
 * A model's two-scenario VGS (VideoGLUE journal version): training costs (trainable parameters) and
 * inference costs (inference FLOPs) each give a VGS; the final score is their mean.
 */
export function scoreModelTwoScenario(
  scores: ModelScores,
  costs: TwoScenarioCosts,
  options: ScoreOptions = {},
): TwoScenarioModelReport {
  const suite = options.suite ?? VIDEOGLUE_SUITE;
  const path: EntryPath = options.model === undefined ? {} : { model: options.model };
  const averages = methodAverages(scores, options);
  checkMethods(Object.keys(costs.training), suite, { ...path, scenario: 'training' });
  checkMethods(Object.keys(costs.inference), suite, { ...path, scenario: 'inference' });
  const s = Object.fromEntries(Object.entries(averages).map(([id, a]) => [id, a.score]));
  const r = computeTwoScenarioVgs(s, costs, path);
  return {
    vgs: r.vgs,
    training: withGroups(averages, r.training.methods, r.training.vgs),
    inference: withGroups(averages, r.inference.methods, r.inference.vgs),
  };
}
