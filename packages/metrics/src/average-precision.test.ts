import { describe, expect, it } from 'vitest';
import { hasPython, runReference } from '../test/python-reference';
import { averagePrecision, envelopeAp, iouThresholds } from './average-precision';
import { MetricInputError } from './errors';

describe('envelopeAp', () => {
  it('scores a hand-worked ranking', () => {
    // ranks: TP FP TP, 3 positives. P = 1, 1/2, 2/3; R = 1/3, 1/3, 2/3.
    // envelope: P(R=1/3) = 1, P(R=2/3) = 2/3; the last third is never reached.
    expect(envelopeAp([1, 0, 1], 3)).toBeCloseTo(1 / 3 + (1 / 3) * (2 / 3), 12);
    // the envelope lifts an early low precision: FP TP TP, 2 positives -> P at R=0.5 is max(1/2, 2/3)
    expect(envelopeAp([0, 1, 1], 2)).toBeCloseTo(0.5 * (2 / 3) + 0.5 * (2 / 3), 12);
    expect(envelopeAp([1, 1], 2)).toBe(1);
  });
  it('handles no positives, no detections, and too many hits', () => {
    expect(envelopeAp([0, 0], 0)).toBeNaN();
    expect(envelopeAp([], 3)).toBe(0);
    expect(() => envelopeAp([1, 1], 1)).toThrow(MetricInputError);
    expect(() => envelopeAp([1], -1)).toThrow(MetricInputError);
  });
});

describe('averagePrecision', () => {
  it('scores a hand-worked ranking', () => {
    // sorted: 0.9 (1), 0.8 (0), 0.7 (1), 0.1 (0); AP = 1/2 * 1 + 1/2 * 2/3
    expect(averagePrecision([0.1, 0.9, 0.7, 0.8], [0, 1, 1, 0])).toBeCloseTo(0.5 + 1 / 3, 12);
  });
  it('treats tied scores as one threshold, whatever their order', () => {
    // both at 0.5: one positive, one negative -> P = 1/2 at R = 1
    expect(averagePrecision([0.5, 0.5], [1, 0])).toBe(0.5);
    expect(averagePrecision([0.5, 0.5], [0, 1])).toBe(0.5);
  });
  it('is NaN without positives and rejects bad input', () => {
    expect(averagePrecision([0.3, 0.2], [0, 0])).toBeNaN();
    expect(() => averagePrecision([Number.NaN], [1])).toThrow(MetricInputError);
    expect(() => averagePrecision([0.1], [2])).toThrow(MetricInputError);
  });
  it.skipIf(!hasPython)('agrees with a numpy implementation of the sklearn formula', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const cases = Array.from({ length: 20 }, (_, c) => {
      const n = 5 + c * 3;
      // coarse scores make ties common
      const scores = Array.from({ length: n }, () => Math.round(rand() * 8) / 8);
      const labels = scores.map((s) => (rand() < 0.3 + 0.4 * s ? 1 : 0));
      labels[0] = 1;
      return { scores, labels };
    });
    const ref = runReference(cases.map((args) => ({ fn: 'average_precision', args }))) as number[];
    cases.forEach((c, i) => {
      expect(averagePrecision(c.scores, c.labels)).toBeCloseTo(ref[i], 12);
    });
  });
});

describe('iouThresholds', () => {
  it('gives 0.50:0.05:0.95 exactly', () => {
    expect(iouThresholds()).toEqual([0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]);
    expect(iouThresholds(0.3, 0.7, 0.1)).toEqual([0.3, 0.4, 0.5, 0.6, 0.7]);
  });
});
