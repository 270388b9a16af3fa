import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidCostError, MissingMethodError, ResultsFileError, UnknownDatasetError } from './errors';
import { scoreModelTwoScenario } from './model-score';
import { markdownReport, markdownResultTable, toVgsJson } from './report';
import {
  modelCosts,
  parseResultsFile,
  type ResultsFile,
  readResultsFile,
  resultRows,
  scoreResultsFile,
} from './results-file';

const all = (v: number) => ({
  K400: v,
  MiT: v,
  SSv2: v,
  D48: v,
  Charades: v,
  ActivityNet: v,
  AVA: v,
  'AVA-K': v,
});
const file: ResultsFile = {
  costs: { frozen: 10, mlap: 100, adapter: 10, e2e: 100 },
  models: {
    A: {
      scores: { frozen: all(20), mlap: all(40), adapter: all(60), e2e: { ...all(80), ActivityNet: null } },
    },
    B: { costs: { e2e: 1000 }, scores: { frozen: all(50), mlap: all(50), adapter: all(50), e2e: all(50) } },
  },
};

describe('results files', () => {
  it('scores every model; model costs override the defaults', () => {
    expect(modelCosts(file, 'B')).toEqual({ frozen: 10, mlap: 100, adapter: 10, e2e: 1000 });
    const r = scoreResultsFile(file);
    // A: A_i = 1, 1/2, 1, 1/2 -> w = 1/3, 1/6, 1/3, 1/6 -> 20/3 + 40/6 + 60/3 + 80/6 = 46.667
    expect(r.models.A.vgs).toBeCloseTo(140 / 3, 12);
    expect(r.models.A.methods.e2e.missingGroups).toEqual(['TAL']);
    expect(r.models.B.vgs).toBeCloseTo(50, 12);
    expect(r.models.B.methods.e2e.weight).toBeCloseTo(1 / 3 / (1 + 0.5 + 1 + 1 / 3), 12);
  });

  it('prints JSON in the interchange output shape and a markdown table', () => {
    const json = toVgsJson(scoreResultsFile(file), 2);
    expect(json.models.A).toEqual({
      vgs: 46.67,
      methods: {
        frozen: { score: 20, weight: 0.333, cost: 10 },
        mlap: { score: 40, weight: 0.167, cost: 100 },
        adapter: { score: 60, weight: 0.333, cost: 10 },
        e2e: { score: 80, weight: 0.167, cost: 100, missing: ['TAL'] },
      },
    });
    const md = markdownReport(scoreResultsFile(file));
    expect(md).toContain('| A | 20.00 (0.333) | 40.00 (0.167) | 60.00 (0.333) | 80.00 (0.167) | 46.67 |');
    expect(md).toContain('E2E: no result for TAL');
  });

  it('flattens to rows with groups and renders a per-dataset table', () => {
    const rows = resultRows(file);
    expect(rows).toHaveLength(64);
    expect(rows.find((r) => r.model === 'A' && r.method === 'e2e' && r.dataset === 'ActivityNet')).toEqual({
      model: 'A',
      method: 'e2e',
      dataset: 'ActivityNet',
      group: 'TAL',
      value: null,
    });
    const table = markdownResultTable(rows, 'e2e');
    expect(table.split('\n')[0]).toBe(
      '| model | K400 (VC(A)) | MiT (VC(A)) | SSv2 (VC(M)) | D48 (VC(M)) | Charades (VC(ML)) | ActivityNet (TAL) | AVA (STAL) | AVA-K (STAL) |',
    );
    expect(table).toContain('| A | 80.0 | 80.0 | 80.0 | 80.0 | 80.0 | - | 80.0 | 80.0 |');
  });

  it('two-scenario scoring of one model', () => {
    const r = scoreModelTwoScenario(file.models.A.scores, {
      training: { frozen: 1e6, mlap: 1e6, adapter: 1e6, e2e: 1e6 },
      inference: { frozen: 10, mlap: 100, adapter: 10, e2e: 100 },
    });
    expect(r.training.vgs).toBeCloseTo(50, 12); // equal costs: plain mean of 20, 40, 60, 80
    expect(r.inference.vgs).toBeCloseTo(140 / 3, 12);
    expect(r.vgs).toBeCloseTo((50 + 140 / 3) / 2, 12);
    expect(r.inference.methods.e2e.missingGroups).toEqual(['TAL']);
  });

  it('gives typed errors naming the entry', () => {
    const bad =
      (patch: Partial<ResultsFile['models'][string]>, costs = file.costs) =>
      () =>
        scoreResultsFile({ costs, models: { M: { ...file.models.A, ...patch } } });
    expect(bad({ costs: { e2e: 1 } })).toThrow(/model "M", method "e2e": cost 1 is invalid/);
    expect(bad({ costs: { mlap: Number.NaN } })).toThrow(InvalidCostError);
    expect(bad({}, { frozen: 10, mlap: 100, adapter: 10 })).toThrow(/model "M", method "e2e": has no cost/);
    expect(bad({ scores: { frozen: all(1), mlap: all(1), adapter: all(1) } })).toThrow(MissingMethodError);
    expect(bad({ scores: { ...file.models.A.scores, e2e: { ActivityNet: null } } })).toThrow(
      /model "M", method "e2e": has no results/,
    );
    expect(bad({ scores: { ...file.models.A.scores, frozen: { Kinetics400: 3 } } })).toThrow(
      UnknownDatasetError,
    );
    expect(bad({ scores: { ...file.models.A.scores, frozen: { K400: 300 } } })).toThrow(
      /model "M", method "frozen": dataset "K400" has score 300/,
    );
    expect(bad({}, { ...file.costs, lora: 5 })).toThrow(/unknown adaptation method/);
  });

  it('rejects malformed files with the JSON path', async () => {
    expect(() => parseResultsFile('{"models": ', 'r.json')).toThrow(/r.json is not valid JSON/);
    expect(() => parseResultsFile('{"models": {"M": {"scores": {"frozen": {"K400": "75"}}}}}')).toThrow(
      /models\.M\.scores\.frozen\.K400/,
    );
    expect(() => parseResultsFile('{"costs": {}}')).toThrow(ResultsFileError);
    await expect(readResultsFile('/nonexistent/r.json')).rejects.toThrow(/cannot read \/nonexistent\/r.json/);
    const dir = mkdtempSync(join(tmpdir(), 'vgs-'));
    writeFileSync(join(dir, 'r.json'), JSON.stringify(file));
    expect((await readResultsFile(join(dir, 'r.json'))).models.B.costs).toEqual({ e2e: 1000 });
  });
});
