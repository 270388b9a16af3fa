import { ConfigError, ShapeError } from '@vfmkit/core';
import { describe, expect, it } from 'vitest';
import { hasPython, runReference } from '../test/python-reference';
import { depthMetrics } from './depth';
import { MetricInputError } from './errors';

describe('depthMetrics', () => {
  it('scores a hand-worked 1 x 2 x 2 example (metric)', () => {
    const gt = [1, 2, 4, 8];
    const pred = [1, 2.5, 4, 4];
    const r = depthMetrics(pred, gt, [1, 2, 2]);
    // |e|/d: 0, 0.25, 0, 0.5 -> 0.1875
    expect(r.absRel).toBeCloseTo(0.1875, 12);
    // e^2/d: 0, 0.125, 0, 2 -> 0.53125
    expect(r.sqRel).toBeCloseTo(0.53125, 12);
    expect(r.rmse).toBeCloseTo(Math.sqrt((0.25 + 16) / 4), 12);
    expect(r.rmseLog).toBeCloseTo(Math.sqrt((Math.log(1.25) ** 2 + Math.log(2) ** 2) / 4), 12);
    // ratios 1, 1.25, 1, 2: 1.25 is not < 1.25
    expect(r.delta1).toBe(0.5);
    expect(r.delta2).toBe(0.75);
    expect(r.delta3).toBe(0.75);
    expect(r.images).toBe(1);
    expect(r.pixels).toBe(4);
  });
  it('median scaling removes a global scale', () => {
    const gt = [1, 2, 3, 4, 5, 6];
    const pred = gt.map((d) => d * 7.5);
    const metric = depthMetrics(pred, gt, [1, 2, 3]);
    expect(metric.absRel).toBeCloseTo(6.5, 12);
    const aligned = depthMetrics(pred, gt, [1, 2, 3], { alignment: 'median' });
    expect(aligned.absRel).toBeCloseTo(0, 12);
    expect(aligned.delta1).toBe(1);
    expect(aligned.scales[0]).toBeCloseTo(1 / 7.5, 12);
  });
  it('skips invalid pixels and images with none, and clamps predictions', () => {
    // image 0: gt 0 (invalid), NaN (invalid), 2, 2; image 1: all invalid
    const gt = [0, Number.NaN, 2, 2, 0, 0, 0, 0];
    const pred = [5, 5, -1, 2, 1, 1, 1, 1];
    const r = depthMetrics(pred, gt, [2, 2, 2], { minDepth: 0.5 });
    // pred -1 is clamped to 0.5: |0.5 - 2| / 2 = 0.75; pixel 3 exact -> 0.375
    expect(r.absRel).toBeCloseTo(0.375, 12);
    expect(r.images).toBe(1);
    expect(r.imagesSkipped).toBe(1);
    expect(r.scales[1]).toBeNaN();
    const masked = depthMetrics(pred, gt, [2, 2, 2], { minDepth: 0.5, valid: [1, 1, 0, 1, 1, 1, 1, 1] });
    expect(masked.absRel).toBe(0);
    const none = depthMetrics(pred, gt.fill(0), [2, 2, 2]);
    expect(none.absRel).toBeNaN();
    expect(none.images).toBe(0);
  });
  it('rejects bad input', () => {
    expect(() => depthMetrics([1, 2], [1, 2], [2])).toThrow(ShapeError);
    expect(() => depthMetrics([1, 2], [1], [1, 2])).toThrow(ShapeError);
    expect(() => depthMetrics([1, Number.POSITIVE_INFINITY], [1, 1], [1, 2])).toThrow(MetricInputError);
    expect(() => depthMetrics([1, 2], [1, 2], [1, 2], { minDepth: 0 })).toThrow(ConfigError);
    expect(() => depthMetrics([1, 2], [1, 2], [1, 2], { alignment: 'mean' as 'none' })).toThrow(ConfigError);
  });
  it.skipIf(!hasPython)('agrees with a numpy implementation of the Eigen / Monodepth metrics', () => {
    let seed = 3;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const shape = [3, 8, 12];
    const n = 3 * 8 * 12;
    const gt = Array.from({ length: n }, () => (rand() < 0.1 ? 0 : 0.5 + rand() * 20));
    const pred = gt.map(
      (d) => (0.5 + rand() * 20) * 0.3 + d * (0.6 + rand() * 0.5) + (rand() < 0.05 ? -3 : 0),
    );
    const calls = (['none', 'median'] as const).map((alignment) => ({
      fn: 'depth' as const,
      args: { pred, gt, shape, alignment, min_depth: 1e-3, max_depth: 15 },
    }));
    const ref = runReference(calls) as Record<string, number>[];
    calls.forEach((c, i) => {
      const r = depthMetrics(pred, gt, shape, { alignment: c.args.alignment, maxDepth: 15 });
      for (const key of ['absRel', 'sqRel', 'rmse', 'rmseLog', 'delta1', 'delta2', 'delta3'] as const)
        expect(r[key], `${c.args.alignment} ${key}`).toBeCloseTo(ref[i][key], 10);
    });
  });
});
