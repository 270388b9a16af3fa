import { ConfigError } from '@vfmkit/core';
import type { SuiteMethod } from './methods';
import { type ModelReport, scoreModel } from './model-score';
import { defineSuite, type VgsSuite } from './suite';

/** One (task, method, model) result of an evaluation run. */
export interface RunResult {
  readonly task: string;
  readonly method: string;
  readonly model: string;
  /** The task's 0-100 score; `null` (or NaN) when the method did not produce one. */
  readonly score: number | null;
  /** Parameters the method trained for this task (head, plus adapters or encoder); `null` when it did not run. */
  readonly trainableParams: number | null;
}

/** What {@link scoreRuns} returns: the suite it scored against, the cost policy, a VGS per model, and why some have none. */
export interface RunScores {
  readonly suite: VgsSuite;
  /** What C_i is, in words (for reports). */
  readonly costBasis: string;
  readonly models: Readonly<Record<string, ModelReport>>;
  /** Models without a VGS and why (a method of the suite has no score for them). */
  readonly unscored: Readonly<Record<string, string>>;
}

/** The cost policy of {@link scoreRuns}, in words. */
export const RUN_COST_BASIS = "mean trainable parameters of the method's runs over tasks";

/**
 * The VGS of each model of an evaluation run, with vfmkit's cost policy for runs:
 * - one suite group per task (each task its own dataset), the methods given (in that order) that
 *   produced at least one finite score;
 * - S_i: the mean over tasks of method i's scores (VideoGLUE's stratified mean with one dataset per group);
 * - C_i: the mean over tasks of method i's trainable parameter counts (raw counts, so C_i > 1 as the VGS
 *   needs: small probe heads have far below one trainable GFLOP);
 * - a model missing a finite score for any scored method gets no VGS and an entry in `unscored`.
 *
 * @param methods the methods that ran, with the labels and descriptions written from their configuration.
 * @throws ConfigError for an empty task or method list; InvalidScoreError for a score outside [0, 100].
 */
export function scoreRuns(
  suiteName: string,
  tasks: readonly string[],
  methods: readonly SuiteMethod[],
  models: readonly string[],
  results: readonly RunResult[],
): RunScores {
  if (tasks.length === 0) throw new ConfigError('scoreRuns: no tasks', { key: 'tasks' });
  if (methods.length === 0) throw new ConfigError('scoreRuns: no methods', { key: 'methods' });
  const has = (r: RunResult) => r.score !== null && Number.isFinite(r.score);
  const scored = methods.filter((m) => results.some((r) => r.method === m.id && has(r)));
  const suite = defineSuite({
    name: suiteName,
    groups: tasks.map((t) => ({ id: t, label: t, datasets: [t] })),
    methods: scored.length ? scored : methods,
  });
  const out: Record<string, ModelReport> = {};
  const unscored: Record<string, string> = {};
  if (scored.length === 0) return { suite, costBasis: 'no method produced a score', models: out, unscored };
  for (const model of models) {
    const mine = results.filter((r) => r.model === model);
    const missing = scored.filter((m) => !mine.some((r) => r.method === m.id && has(r))).map((m) => m.id);
    if (missing.length > 0) {
      unscored[model] = `no score for method${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`;
      continue;
    }
    const scores: Record<string, Record<string, number | null>> = {};
    const costs: Record<string, number> = {};
    for (const { id } of scored) {
      const rows = mine.filter((r) => r.method === id);
      scores[id] = Object.fromEntries(rows.map((r) => [r.task, has(r) ? r.score : null]));
      const params = rows.map((r) => r.trainableParams).filter((p): p is number => p !== null);
      costs[id] = params.reduce((a, b) => a + b, 0) / Math.max(1, params.length);
    }
    out[model] = scoreModel(scores, costs, { suite, model });
  }
  return { suite, costBasis: RUN_COST_BASIS, models: out, unscored };
}
