import { type EntryPath, InvalidScoreError, UnknownDatasetError } from './errors';
import { datasetGroupIndex, type VgsSuite, VIDEOGLUE_SUITE } from './suite';

/** Scores of one model under one method: dataset -> metric value in [0, 100]; `null`/absent = no result. */
export type DatasetScores = Readonly<Record<string, number | null | undefined>>;

/** A method's average S_i and how it was formed. */
export interface StratifiedScore {
  /** Mean of the group means present, in [0, 100]; `null` when no group has a result. */
  readonly score: number | null;
  /** Mean score of each group that has at least one result, in suite order. */
  readonly groups: Readonly<Record<string, number>>;
  /** Groups with no result, left out of `score` (suite order). */
  readonly missingGroups: readonly string[];
}

/** Checks one metric value: `null`/`undefined` pass (no result); otherwise a finite number in [0, 100]. */
export function checkScore(value: unknown, path: EntryPath & { dataset: string }): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
    throw new InvalidScoreError(path, value);
  }
  return value;
}

/**
 * S_i of VideoGLUE: the mean over task groups of the mean over each group's datasets ("stratified
 * average", VideoPrism appendix Table 17; VideoGLUE Sec. 4.3). A group with no result is left out of
 * the mean and listed in `missingGroups` (e.g. TAL under the adapter and e2e, which VideoGLUE does not
 * run on ActivityNet). Within a group, datasets without a result are skipped.
 * @throws UnknownDatasetError for a dataset no group lists; InvalidScoreError for a value outside [0, 100].
 */
export function stratifiedScore(
  scores: DatasetScores,
  suite: VgsSuite = VIDEOGLUE_SUITE,
  path: EntryPath = {},
): StratifiedScore {
  const index = datasetGroupIndex(suite);
  const G = suite.groups.length;
  const sums = new Float64Array(G);
  const counts = new Int32Array(G);
  for (const dataset of Object.keys(scores)) {
    const g = index.get(dataset);
    if (g === undefined) throw new UnknownDatasetError({ ...path, dataset }, [...index.keys()]);
    const value = scores[dataset];
    if (value === null || value === undefined) continue;
    // written so that NaN fails too
    if (typeof value !== 'number' || !(value >= 0 && value <= 100)) {
      throw new InvalidScoreError({ ...path, dataset }, value);
    }
    sums[g] += value;
    counts[g] += 1;
  }
  const groups: Record<string, number> = {};
  const missingGroups: string[] = [];
  let total = 0;
  for (let g = 0; g < G; g++) {
    const id = suite.groups[g].id;
    if (counts[g] === 0) {
      missingGroups.push(id);
      continue;
    }
    const mean = sums[g] / counts[g];
    groups[id] = mean;
    total += mean;
  }
  const present = G - missingGroups.length;
  return { score: present === 0 ? null : total / present, groups, missingGroups };
}
