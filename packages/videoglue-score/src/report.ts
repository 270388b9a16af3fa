import { markdownTable } from '@vfmkit/core';
import type { ModelReport } from './model-score';
import type { ResultRow, VgsReport } from './results-file';
import { type VgsSuite, VIDEOGLUE_SUITE } from './suite';

/** The JSON form printed by `vfm-vgs --json`, at full precision (round only for display). */
export interface VgsJson {
  readonly models: Record<
    string,
    {
      readonly vgs: number;
      readonly methods: Record<
        string,
        {
          readonly score: number;
          readonly weight: number;
          readonly cost: number;
          readonly missing?: string[];
        }
      >;
    }
  >;
}

const round = (x: number, digits: number | undefined) =>
  digits === undefined ? x : Number(x.toFixed(digits));

/**
 * The report as plain JSON: VGS, scores and weights at full float64 precision (so a model's weights sum
 * to 1), costs as given; `missing` lists groups left out of a method's mean (absent when none). Pass
 * `digits` only to round for display: VGS and scores to `digits`, weights to `digits + 1`.
 */
export function toVgsJson(
  report: VgsReport | { models: Readonly<Record<string, ModelReport>> },
  digits?: number,
): VgsJson {
  const models: VgsJson['models'] = {};
  for (const [name, model] of Object.entries(report.models)) {
    const methods: VgsJson['models'][string]['methods'] = {};
    for (const [id, m] of Object.entries(model.methods)) {
      methods[id] = {
        score: round(m.score, digits),
        weight: round(m.weight, digits === undefined ? undefined : digits + 1),
        cost: m.cost,
        ...(m.missingGroups.length ? { missing: [...m.missingGroups] } : {}),
      };
    }
    models[name] = { vgs: round(model.vgs, digits), methods };
  }
  return { models };
}

/**
 * A markdown table: one row per model, one column per method showing `S_i (w_i)`, then the VGS;
 * the costs and missing groups follow as notes.
 */
export function markdownReport(
  report: VgsReport | { models: Readonly<Record<string, ModelReport>> },
  suite: VgsSuite = VIDEOGLUE_SUITE,
  digits = 2,
): string {
  const methods = suite.methods;
  const header = ['model', ...methods.map((m) => `${m.label} S (w)`), 'VGS'];
  const rows = Object.entries(report.models).map(([name, model]) => [
    name,
    ...methods.map((m) => {
      const r = model.methods[m.id];
      return `${r.score.toFixed(digits)} (${r.weight.toFixed(digits + 1)})`;
    }),
    model.vgs.toFixed(digits),
  ]);
  const notes: string[] = [];
  for (const [name, model] of Object.entries(report.models)) {
    const costs = methods.map((m) => `${m.label} ${model.methods[m.id].cost}`).join(', ');
    notes.push(`- ${name}: costs ${costs}`);
    for (const m of methods) {
      const missing = model.methods[m.id].missingGroups;
      if (missing.length)
        notes.push(`  - ${m.label}: no result for ${missing.join(', ')} (left out of its mean)`);
    }
  }
  return `${markdownTable(header, rows)}\n\nS = mean of task-group means; w = 1/log10(C) normalised.\n${notes.join('\n')}\n`;
}

/**
 * A per-dataset result table for one method: rows = models, columns = the suite's datasets grouped
 * by task group (`-` = no result), then the method's stratified average if given.
 */
export function markdownResultTable(
  rows: readonly ResultRow[],
  method: string,
  suite: VgsSuite = VIDEOGLUE_SUITE,
  averages?: Readonly<Record<string, number>>,
): string {
  const datasets = suite.groups.flatMap((g) => g.datasets.map((d) => ({ d, g: g.id })));
  const models = [...new Set(rows.filter((r) => r.method === method).map((r) => r.model))];
  const header = ['model', ...datasets.map(({ d, g }) => `${d} (${g})`), ...(averages ? ['avg'] : [])];
  const body = models.map((model) => {
    const cell = (d: string) => {
      const r = rows.find((x) => x.model === model && x.method === method && x.dataset === d);
      return r?.value == null ? '-' : r.value.toFixed(1);
    };
    return [
      model,
      ...datasets.map(({ d }) => cell(d)),
      ...(averages ? [averages[model]?.toFixed(1) ?? '-'] : []),
    ];
  });
  return markdownTable(header, body);
}
