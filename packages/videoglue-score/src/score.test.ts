import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidCostError, InvalidScoreError, MissingMethodError } from './errors';
import { computeTwoScenarioVgs, computeVgs, vgsWeights } from './score';

describe('vgsWeights and computeVgs (hand-worked)', () => {
  it('costs 10 and 100 give A = 1 and 1/2, so w = 2/3 and 1/3', () => {
    const w = vgsWeights({ a: 10, b: 100 });
    expect(w.a).toBeCloseTo(2 / 3, 14);
    expect(w.b).toBeCloseTo(1 / 3, 14);
    const r = computeVgs({ a: 30, b: 60 }, { a: 10, b: 100 });
    expect(r.vgs).toBeCloseTo(40, 12); // 2/3 * 30 + 1/3 * 60
    expect(r.methods.b).toEqual({ score: 60, weight: w.b, cost: 100 });
  });

  it('VideoGLUE costs: 3.72, 14.9, 6.44, 371 GFLOPs', () => {
    // A = 1/log10(C): 1.7506, 0.8512, 1.2352, 0.3891 (float64 by hand in Python); sum 4.2261
    const w = vgsWeights({ frozen: 3.72, mlap: 14.9, adapter: 6.44, e2e: 371 });
    const A = [3.72, 14.9, 6.44, 371].map((c) => 1 / Math.log10(c));
    const sum = A.reduce((x, y) => x + y);
    expect(w.frozen).toBeCloseTo(A[0] / sum, 14);
    expect(w.frozen).toBeCloseTo(0.4143, 4);
    expect(w.e2e).toBeCloseTo(0.092, 3);
  });

  it('two-scenario: mean of the training and inference VGS', () => {
    const r = computeTwoScenarioVgs(
      { a: 30, b: 60 },
      { training: { a: 100, b: 10_000 }, inference: { a: 10, b: 10 } },
    );
    expect(r.training.vgs).toBeCloseTo(40, 12); // A = 1/2, 1/4 -> w = 2/3, 1/3
    expect(r.inference.vgs).toBeCloseTo(45, 12); // equal costs -> plain mean
    expect(r.vgs).toBeCloseTo(42.5, 12);
    expect(r.inference.methods.a.weight).toBeCloseTo(0.5, 14);
  });
});

describe('VGS properties', () => {
  const methods = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 });
  const cost = fc.double({ min: 1.0001, max: 1e12, noNaN: true });
  const score = fc.double({ min: 0, max: 100, noNaN: true });
  const setup = methods.chain((ids) =>
    fc.tuple(
      fc.constant(ids),
      fc.array(cost, { minLength: ids.length, maxLength: ids.length }),
      fc.array(score, { minLength: ids.length, maxLength: ids.length }),
    ),
  );
  const rec = (ids: string[], xs: number[]) => Object.fromEntries(ids.map((id, i) => [id, xs[i]]));

  it('weights are positive and sum to 1', () => {
    fc.assert(
      fc.property(setup, ([ids, costs]) => {
        const w = Object.values(vgsWeights(rec(ids, costs)));
        expect(w.every((x) => x > 0)).toBe(true);
        expect(w.reduce((a, b) => a + b)).toBeCloseTo(1, 10);
      }),
    );
  });

  it('VGS lies between the smallest and largest S_i', () => {
    fc.assert(
      fc.property(setup, ([ids, costs, scores]) => {
        const { vgs } = computeVgs(rec(ids, scores), rec(ids, costs));
        expect(vgs).toBeGreaterThanOrEqual(Math.min(...scores) - 1e-9);
        expect(vgs).toBeLessThanOrEqual(Math.max(...scores) + 1e-9);
      }),
    );
  });

  it("raising a method's cost lowers its weight and raises the others'", () => {
    fc.assert(
      fc.property(setup, fc.double({ min: 1.01, max: 1e3, noNaN: true }), ([ids, costs], factor) => {
        fc.pre(ids.length >= 2);
        const before = vgsWeights(rec(ids, costs));
        const raised = [...costs];
        raised[0] = costs[0] * factor;
        const after = vgsWeights(rec(ids, raised));
        expect(after[ids[0]]).toBeLessThan(before[ids[0]]);
        for (const id of ids.slice(1)) expect(after[id]).toBeGreaterThan(before[id]);
      }),
    );
  });
});

describe('VGS errors name the entry', () => {
  it.each([1, 0.5, 0, -3, Number.NaN, Number.POSITIVE_INFINITY])('rejects cost %s', (bad) => {
    try {
      vgsWeights({ frozen: 3.72, mlap: bad }, { model: 'M' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidCostError);
      const err = e as InvalidCostError;
      expect(err.code).toBe('VGS_INVALID_COST');
      expect(err.message).toContain('model "M", method "mlap"');
      expect(err.details).toMatchObject({ model: 'M', method: 'mlap' });
    }
  });

  it('rejects a method without a cost, a cost without a score, and a bad S_i', () => {
    expect(() => computeVgs({ a: 1, b: 2 }, { a: 10 })).toThrow(MissingMethodError);
    expect(() => computeVgs({ a: 1, b: 2 }, { a: 10 })).toThrow(/method "b": has no cost/);
    expect(() => computeVgs({ a: 1 }, { a: 10, e2e: 300 })).toThrow(/method "e2e": has no results/);
    expect(() => computeVgs({}, {})).toThrow(MissingMethodError);
    expect(() => computeVgs({ a: 101 }, { a: 10 })).toThrow(InvalidScoreError);
    expect(() =>
      computeTwoScenarioVgs({ a: 1 }, { training: { a: 0.13 }, inference: { a: 300 } }, { model: 'M' }),
    ).toThrow(/model "M", method "a", training cost: cost 0.13 is invalid/);
  });
});
