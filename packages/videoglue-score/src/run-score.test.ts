import { ConfigError } from '@vfmkit/core';
import { describe, expect, it } from 'vitest';
import { InvalidScoreError } from './errors';
import { ADAPTATION_METHODS } from './methods';
import { type RunResult, scoreRuns } from './run-score';

const row = (model: string, method: string, task: string, score: number | null, params: number | null) =>
  ({ model, method, task, score, trainableParams: params }) satisfies RunResult;

describe('scoreRuns (hand-worked)', () => {
  const { frozen, mlap, e2e } = ADAPTATION_METHODS;
  const results = [
    row('m', 'frozen', 'a', 40, 50),
    row('m', 'frozen', 'b', 60, 150),
    row('m', 'e2e', 'a', 70, 500),
    row('m', 'e2e', 'b', 90, 1500),
    row('m2', 'frozen', 'a', 10, 100),
    row('m2', 'frozen', 'b', 20, 100),
    row('m2', 'e2e', 'a', null, null),
    row('m2', 'e2e', 'b', Number.NaN, 1000),
  ];

  it('C_i = mean trainable params over tasks; S_i = mean task score; VGS = sum w_i S_i', () => {
    const r = scoreRuns('toy', ['a', 'b'], [frozen, mlap, e2e], ['m', 'm2'], results);
    // mlap has no score anywhere: it leaves the suite.
    expect(r.suite.methods.map((m) => m.id)).toEqual(['frozen', 'e2e']);
    const m = r.models.m;
    // C = (50 + 150) / 2 = 100 and (500 + 1500) / 2 = 1000; A = 1/2 and 1/3; w = 0.6 and 0.4.
    expect(m.methods.frozen.cost).toBe(100);
    expect(m.methods.e2e.cost).toBe(1000);
    expect(m.methods.frozen.weight).toBeCloseTo(0.6, 12);
    expect(m.methods.e2e.weight).toBeCloseTo(0.4, 12);
    // S = 50 and 80; VGS = 0.6 * 50 + 0.4 * 80 = 62.
    expect(m.methods.frozen.score).toBeCloseTo(50, 12);
    expect(m.methods.e2e.score).toBeCloseTo(80, 12);
    expect(m.vgs).toBeCloseTo(62, 12);
    expect(r.costBasis).toMatch(/mean trainable parameters/);
    // m2 has no finite e2e score (null and NaN): no VGS, and the reason.
    expect(r.models.m2).toBeUndefined();
    expect(r.unscored).toEqual({ m2: 'no score for method e2e' });
  });

  it('keeps every method when none scored, and rejects out-of-range scores and empty lists', () => {
    const none = scoreRuns('toy', ['a'], [frozen], ['m'], [row('m', 'frozen', 'a', null, 10)]);
    expect(none.models).toEqual({});
    expect(none.costBasis).toBe('no method produced a score');
    expect(() => scoreRuns('toy', ['a'], [frozen], ['m'], [row('m', 'frozen', 'a', 101, 10)])).toThrow(
      InvalidScoreError,
    );
    expect(() => scoreRuns('toy', [], [frozen], ['m'], [])).toThrow(ConfigError);
    expect(() => scoreRuns('toy', ['a'], [], ['m'], [])).toThrow(/no methods/);
  });
});
