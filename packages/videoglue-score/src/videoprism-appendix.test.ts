import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseResultsFile, scoreResultsFile } from './results-file';

// examples/videoprism-appendix.json holds the per-dataset numbers of VideoPrism (Zhao et al., "VideoPrism:
// A Foundational Visual Encoder for Video Understanding", ICML 2024, arXiv 2402.13217v3) Appendix E,
// Tables 13-16, with their trainable GFLOPs (3.72 / 14.9 / 6.44 / 367; VATT-B e2e 371; VideoPrism-B*
// adapter 8.71, e2e 374). Table 17 prints the stratified averages and the VGS, to one decimal:
const TABLE_17: Record<string, [number, number, number, number, number]> = {
  // model: frozen, MLAP, adapter, E2E, VGS
  'VATT-B': [39.4, 46.3, 49.9, 52.7, 45.1],
  'CoCa-B': [31.2, 36.3, 49.0, 55.2, 39.7],
  'FLAVA-B': [31.7, 39.3, 44.1, 49.4, 38.5],
  'VideoMAE-B': [32.6, 40.9, 45.9, 51.0, 39.9],
  'InternVideo-B': [33.1, 42.2, 47.7, 52.5, 41.0],
  'UMT-B': [38.0, 45.6, 52.4, 55.3, 45.3],
  'VideoPrism-B*': [45.6, 51.5, 57.8, 57.9, 51.3],
  'CLIP-B': [32.8, 43.3, 49.3, 52.8, 41.5],
};
// Rows whose printed averages do not all follow from the printed per-dataset numbers (checked by hand
// in float64): CLIP-B MLAP gives 43.01 (printed 43.3), E2E 50.86 (printed 52.8), VGS 41.32 (41.5);
// VideoMAE-B MLAP 41.12 (40.9); VideoPrism-B* frozen 45.66 (45.6). These cells are asserted against the
// hand-checked values, to half a unit of their second decimal.
const RECOMPUTED: Record<string, number> = {
  'CLIP-B:1': 43.01,
  'CLIP-B:3': 50.86,
  'CLIP-B:4': 41.32,
  'VideoMAE-B:1': 41.12,
  'VideoPrism-B*:0': 45.66,
};

const file = parseResultsFile(
  readFileSync(new URL('../examples/videoprism-appendix.json', import.meta.url), 'utf8'),
  'videoprism-appendix.json',
);
const report = scoreResultsFile(file);
const methods = ['frozen', 'mlap', 'adapter', 'e2e'];
// Half a unit of the printed last digit (0.05) plus float slack for ties such as 49.05 -> 49.0.
const TOL = 0.05 + 1e-9;

describe('VideoPrism appendix Table 17, reproduced from Tables 13-16', () => {
  for (const [model, printed] of Object.entries(TABLE_17)) {
    it(`${model}`, () => {
      const r = report.models[model];
      const values = [...methods.map((m) => r.methods[m].score), r.vgs];
      values.forEach((value, i) => {
        const hand = RECOMPUTED[`${model}:${i}`];
        const [expected, tol] = hand === undefined ? [printed[i], TOL] : [hand, 0.005 + 1e-9];
        expect(Math.abs(value - expected), `${model} ${[...methods, 'VGS'][i]}`).toBeLessThanOrEqual(tol);
      });
    });
  }

  it('reproduces the VGS of 7 of the 8 models, and the issue example (VATT-B = 45.09)', () => {
    const ok = Object.keys(TABLE_17).filter((m) => Math.abs(report.models[m].vgs - TABLE_17[m][4]) <= TOL);
    expect(ok).toHaveLength(7);
    const vatt = report.models['VATT-B'];
    expect(vatt.vgs).toBeCloseTo(45.09, 2);
    expect(vatt.methods.frozen.score).toBeCloseTo(39.44, 10);
    expect(vatt.methods.frozen.weight).toBeCloseTo(0.414, 3);
    expect(vatt.methods.e2e.cost).toBe(371);
    expect(vatt.methods.adapter.missingGroups).toEqual(['TAL']);
  });
});
