import { describe, expect, it } from 'vitest';
import { boxIou } from './box-iou';
import { MetricInputError } from './errors';
import { type FrameBox, frameAp, frameMap } from './spatiotemporal-localization';

describe('boxIou', () => {
  it('computes hand-worked overlaps in continuous coordinates', () => {
    expect(boxIou([0, 0, 2, 2], [1, 1, 3, 3])).toBeCloseTo(1 / 7, 12);
    expect(boxIou([0, 0, 2, 2], [0, 0, 2, 2])).toBe(1);
    expect(boxIou([0, 0, 1, 1], [1, 0, 2, 1])).toBe(0); // touching edges
    expect(boxIou([0, 0, 0, 0], [0, 0, 0, 0])).toBe(0); // empty boxes
  });
});

describe('frameMap', () => {
  const gt: FrameBox[] = [
    { frame: 'v@1', box: [0, 0, 10, 10], label: 0 },
    { frame: 'v@1', box: [20, 20, 30, 30], label: 0 },
    { frame: 'v@2', box: [0, 0, 10, 10], label: 1 },
  ];
  it('scores a hand-worked example with a duplicate detection', () => {
    const dets: FrameBox[] = [
      { frame: 'v@1', box: [0, 0, 10, 10], label: 0, score: 0.9 }, // TP
      { frame: 'v@1', box: [0, 0, 10, 9], label: 0, score: 0.8 }, // duplicate of the same gt: FP
      { frame: 'v@1', box: [20, 20, 30, 31], label: 0, score: 0.7 }, // IoU 10/11: TP
      { frame: 'v@2', box: [0, 0, 10, 10], label: 0, score: 0.95 }, // wrong frame for class 0: FP
      { frame: 'v@2', box: [5, 0, 15, 10], label: 1, score: 0.5 }, // IoU 1/3 < 0.5: FP
    ];
    // class 0 ranking: FP(0.95) TP(0.9) FP(0.8) TP(0.7), 2 gts:
    // P = 0, 1/2, 1/3, 1/2 at R = 0, .5, .5, 1 -> envelope: R .5 -> 1/2, R 1 -> 1/2 -> AP = 0.5
    const r = frameMap(dets, gt);
    expect(r.apPerClass[0]).toBeCloseTo(0.5, 12);
    expect(r.apPerClass[1]).toBe(0);
    expect(r.map).toBeCloseTo(0.25, 12);
    expect(r.classesEvaluated).toBe(2);
  });
  it('does not let a duplicate fall back to its second-best box (VOC matching)', () => {
    // both detections overlap gt A most; B (IoU 2/3 with either detection) stays unmatched
    const g: FrameBox[] = [
      { frame: 0, box: [0, 0, 10, 10], label: 0 },
      { frame: 0, box: [2, 0, 12, 10], label: 0 },
    ];
    const d: FrameBox[] = [
      { frame: 0, box: [0, 0, 10, 10], label: 0, score: 0.9 },
      { frame: 0, box: [0, 0, 10, 10], label: 0, score: 0.8 },
    ];
    // ranking TP FP with 2 gts -> AP = 0.5
    expect(frameAp(d, g)).toBeCloseTo(0.5, 12);
  });
  it('is NaN without ground truth, 0 without detections, and rejects bad boxes', () => {
    expect(frameAp([{ frame: 0, box: [0, 0, 1, 1], label: 0, score: 1 }], [])).toBeNaN();
    expect(frameMap([], gt).map).toBe(0);
    expect(frameMap([], []).map).toBeNaN();
    expect(() => frameMap([], [{ frame: 0, box: [2, 0, 1, 1], label: 0 }])).toThrow(MetricInputError);
    expect(() => frameMap([{ frame: 0, box: [0, 0, 1, 1], label: 0 }], [])).toThrow(/score/);
  });
});
