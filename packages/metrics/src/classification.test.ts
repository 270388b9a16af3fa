import { ShapeError } from '@vfmkit/core';
import { describe, expect, it } from 'vitest';
import { classificationAccuracy, multiLabelMap, topKAccuracy } from './classification';
import { MetricInputError } from './errors';

describe('topKAccuracy', () => {
  // 3 rows, 4 classes
  const scores = [0.1, 0.5, 0.3, 0.1, /**/ 0.9, 0.05, 0.03, 0.02, /**/ 0.2, 0.3, 0.4, 0.1];
  it('scores a hand-worked example', () => {
    // row 0: label 2 ranks 2nd; row 1: label 0 ranks 1st; row 2: label 3 ranks 4th
    expect(topKAccuracy(scores, [3, 4], [2, 0, 3], 1)).toBeCloseTo(1 / 3, 12);
    expect(topKAccuracy(scores, [3, 4], [2, 0, 3], 2)).toBeCloseTo(2 / 3, 12);
    expect(topKAccuracy(scores, [3, 4], [2, 0, 3], 4)).toBe(1);
    const r = classificationAccuracy(scores, [3, 4], [2, 0, 3]);
    expect(r).toEqual({ top1: 1 / 3, top5: 1, count: 3 });
  });
  it('breaks ties by class index', () => {
    // all scores equal: class 0 ranks first, class 3 last
    expect(topKAccuracy([1, 1, 1, 1], [1, 4], [0], 1)).toBe(1);
    expect(topKAccuracy([1, 1, 1, 1], [1, 4], [3], 3)).toBe(0);
  });
  it('is NaN for an empty batch and rejects bad input', () => {
    expect(topKAccuracy([], [0, 4], [], 1)).toBeNaN();
    expect(() => topKAccuracy(scores, [3, 4], [2, 0], 1)).toThrow(ShapeError);
    expect(() => topKAccuracy(scores, [3, 4], [2, 0, 4], 1)).toThrow(MetricInputError);
    expect(() => topKAccuracy(scores, [3, 4], [2, 0, 1.5], 1)).toThrow(/class index/);
    expect(() => topKAccuracy([Number.NaN, 0], [1, 2], [0], 1)).toThrow(MetricInputError);
    expect(() => topKAccuracy(scores, [3, 4], [2, 0, 3], 0)).toThrow(/k must be/);
  });
});

describe('multiLabelMap', () => {
  it('averages per-class AP over classes with positives', () => {
    // 4 samples x 3 classes; class 2 has no positives
    const scores = [0.9, 0.1, 0.5, /**/ 0.8, 0.7, 0.4, /**/ 0.2, 0.6, 0.3, /**/ 0.1, 0.9, 0.2];
    const targets = [1, 0, 0, /**/ 0, 1, 0, /**/ 1, 0, 0, /**/ 0, 1, 0];
    const r = multiLabelMap(scores, [4, 3], targets);
    // class 0: ranking 0.9(1) 0.8(0) 0.2(1) 0.1(0) -> AP = 0.5 * 1 + 0.5 * 2/3
    expect(r.perClass[0]).toBeCloseTo(0.5 + 1 / 3, 12);
    // class 1: ranking 0.9(1) 0.7(1) 0.6(0) 0.1(0) -> AP = 1
    expect(r.perClass[1]).toBe(1);
    expect(r.perClass[2]).toBeNaN();
    expect(r.classesEvaluated).toBe(2);
    expect(r.map).toBeCloseTo((0.5 + 1 / 3 + 1) / 2, 12);
  });
  it('gives NaN when no class has positives, and rejects non-binary targets', () => {
    expect(multiLabelMap([0.2, 0.4], [2, 1], [0, 0]).map).toBeNaN();
    expect(() => multiLabelMap([0.2, 0.4], [2, 1], [0, 2])).toThrow(MetricInputError);
    expect(() => multiLabelMap([0.2, 0.4], [2, 1], [0])).toThrow(ShapeError);
  });
});
