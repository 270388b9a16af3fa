import { ShapeError } from '@vfmkit/core';
import { describe, expect, it } from 'vitest';
import { boxTrackingMetrics } from './box-tracking';
import { MetricInputError } from './errors';

describe('boxTrackingMetrics', () => {
  // 2 sequences x 3 frames
  const target = [
    [0, 0, 2, 2, /**/ 0, 0, 2, 2, /**/ 0, 0, 2, 2],
    [0, 0, 4, 4, /**/ 1, 1, 5, 5, /**/ 2, 2, 6, 6],
  ].flat();
  const pred = [
    [9, 9, 9, 9, /**/ 1, 1, 3, 3, /**/ 0, 0, 2, 2], // frame 0 is given, not scored
    [0, 0, 4, 4, /**/ 1, 1, 5, 5, /**/ 10, 10, 12, 12],
  ].flat();
  it('averages IoU over frames after the first, per sequence then over sequences', () => {
    const r = boxTrackingMetrics(pred, target, [2, 3, 4]);
    // seq 0: IoU 1/7 and 1 -> 4/7; seq 1: 1 and 0 -> 1/2
    expect(r.perSequence[0]).toBeCloseTo(4 / 7, 12);
    expect(r.perSequence[1]).toBeCloseTo(0.5, 12);
    expect(r.meanIou).toBeCloseTo((4 / 7 + 0.5) / 2, 12);
    expect(r.successRate).toBeCloseTo(0.5, 12);
    expect(r.frames).toBe(4);
  });
  it('skips absent frames and gives NaN for a sequence with none scored', () => {
    const r = boxTrackingMetrics(pred, target, [2, 3, 4], { present: [1, 0, 1, 1, 0, 0] });
    expect(r.perSequence[0]).toBe(1);
    expect(r.perSequence[1]).toBeNaN();
    expect(r.meanIou).toBe(1);
    expect(r.frames).toBe(1);
  });
  it('rejects bad shapes and inverted boxes', () => {
    expect(() => boxTrackingMetrics(pred, target, [2, 3, 3])).toThrow(ShapeError);
    const bad = [...pred];
    bad[4] = 5; // x0 > x1 in seq 0 frame 1
    expect(() => boxTrackingMetrics(bad, target, [2, 3, 4])).toThrow(MetricInputError);
  });
});
