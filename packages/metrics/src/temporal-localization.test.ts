import { ConfigError } from '@vfmkit/core';
import { describe, expect, it } from 'vitest';
import { hasPython, runReference } from '../test/python-reference';
import { MetricInputError } from './errors';
import {
  type LabeledSegment,
  segmentsFromFrameScores,
  temporalIou,
  temporalLocalizationMap,
  temporalNms,
} from './temporal-localization';

describe('temporalIou', () => {
  it('computes hand-worked overlaps', () => {
    expect(temporalIou(0, 10, 5, 15)).toBeCloseTo(5 / 15, 12);
    expect(temporalIou(0, 10, 0, 10)).toBe(1);
    expect(temporalIou(0, 10, 10, 20)).toBe(0);
    expect(temporalIou(2, 4, 0, 10)).toBeCloseTo(0.2, 12);
  });
  it('gives 0 for empty segments, even with themselves', () => {
    expect(temporalIou(3, 3, 3, 3)).toBe(0);
    expect(temporalIou(3, 3, 0, 10)).toBe(0);
  });
});

describe('temporalNms', () => {
  it('keeps the best of overlapping same-class segments', () => {
    const dets: LabeledSegment[] = [
      { video: 'a', start: 0, end: 10, label: 0, score: 0.6 },
      { video: 'a', start: 1, end: 10, label: 0, score: 0.9 }, // tIoU 0.9 with the first
      { video: 'a', start: 1, end: 10, label: 1, score: 0.5 }, // other class: kept
      { video: 'b', start: 1, end: 10, label: 0, score: 0.4 }, // other video: kept
      { video: 'a', start: 20, end: 30, label: 0, score: 0.3 },
    ];
    const kept = temporalNms(dets, 0.5);
    expect(kept.map((d) => d.score)).toEqual([0.9, 0.5, 0.4, 0.3]);
    expect(temporalNms(dets, 0.5, { classAgnostic: true }).map((d) => d.score)).toEqual([0.9, 0.4, 0.3]);
    expect(() => temporalNms(dets, 1.5)).toThrow(ConfigError);
  });
});

describe('segmentsFromFrameScores', () => {
  it('turns runs above threshold into segments scored by their mean', () => {
    // T = 6, C = 2
    const s = [0.9, 0.1, /**/ 0.7, 0.1, /**/ 0.2, 0.8, /**/ 0.6, 0.8, /**/ 0.1, 0.1, /**/ 0.1, 0.9];
    const segs = segmentsFromFrameScores(s, [6, 2], { video: 'v', threshold: 0.5, frameSeconds: 0.5 });
    expect(segs).toHaveLength(4);
    expect(segs[0]).toMatchObject({ label: 0, start: 0, end: 1 });
    expect(segs[0].score).toBeCloseTo(0.8, 12);
    expect(segs[1]).toMatchObject({ label: 0, start: 1.5, end: 2, score: 0.6 });
    expect(segs[2]).toMatchObject({ label: 1, start: 1, end: 2, score: 0.8 });
    expect(segs[3]).toMatchObject({ label: 1, start: 2.5, end: 3, score: 0.9 });
    expect(segmentsFromFrameScores(s, [6, 2], { video: 'v', threshold: 0.5, minFrames: 2 })).toHaveLength(2);
  });
});

describe('temporalLocalizationMap', () => {
  it('matches a hand-worked example with a duplicate detection', () => {
    const gt: LabeledSegment[] = [
      { video: 'a', start: 0, end: 10, label: 0 },
      { video: 'a', start: 20, end: 30, label: 0 },
    ];
    const dets: LabeledSegment[] = [
      { video: 'a', start: 0, end: 10, label: 0, score: 0.9 }, // hits gt 0 exactly
      { video: 'a', start: 0, end: 10, label: 0, score: 0.8 }, // duplicate: FP
      { video: 'a', start: 21, end: 30, label: 0, score: 0.7 }, // tIoU 0.9 with gt 1
    ];
    const r = temporalLocalizationMap(dets, gt, { thresholds: [0.5, 0.95] });
    // at 0.5: TP FP TP over 2 gts -> P env: R=.5 -> 1, R=1 -> 2/3 -> AP = 0.5 + 1/3
    expect(r.mapPerThreshold[0]).toBeCloseTo(0.5 + 1 / 3, 12);
    // at 0.95: TP FP FP -> AP = 0.5
    expect(r.mapPerThreshold[1]).toBeCloseTo(0.5, 12);
    expect(r.map).toBeCloseTo((0.5 + 1 / 3 + 0.5) / 2, 12);
    expect(r.classesEvaluated).toBe(1);
  });
  it('leaves out classes without ground truth and scores 0 for missed classes', () => {
    const gt: LabeledSegment[] = [{ video: 'a', start: 0, end: 4, label: 1 }];
    const dets: LabeledSegment[] = [{ video: 'a', start: 0, end: 4, label: 0, score: 1 }];
    const r = temporalLocalizationMap(dets, gt, { numClasses: 3 });
    expect(r.classesEvaluated).toBe(1);
    expect(Number.isNaN(r.apPerClass[0])).toBe(true);
    expect(r.map).toBe(0);
    expect(temporalLocalizationMap([], []).map).toBeNaN();
  });
  it('never matches an empty detection or across videos', () => {
    const gt: LabeledSegment[] = [{ video: 'a', start: 5, end: 5, label: 0 }];
    const dets: LabeledSegment[] = [
      { video: 'a', start: 5, end: 5, label: 0, score: 1 },
      { video: 'b', start: 5, end: 5, label: 0, score: 1 },
    ];
    expect(temporalLocalizationMap(dets, gt).map).toBe(0);
  });
  it('rejects malformed segments', () => {
    expect(() => temporalLocalizationMap([], [{ video: 'a', start: 5, end: 1, label: 0 }])).toThrow(
      MetricInputError,
    );
    expect(() => temporalLocalizationMap([{ video: 'a', start: 0, end: 1, label: 0 }], [])).toThrow(/score/);
    expect(() =>
      temporalLocalizationMap([], [{ video: 'a', start: 0, end: 1, label: 3 }], { numClasses: 2 }),
    ).toThrow(/outside numClasses/);
  });
  it.skipIf(!hasPython)('agrees with a numpy ActivityNet-style implementation on random data', () => {
    let seed = 11;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const cases = Array.from({ length: 6 }, () => {
      const gts: LabeledSegment[] = [];
      const dets: LabeledSegment[] = [];
      for (let v = 0; v < 4; v++) {
        for (let g = 0; g < 3; g++) {
          const start = rand() * 50;
          const gtSeg = {
            video: `v${v}`,
            start,
            end: start + 2 + rand() * 20,
            label: Math.floor(rand() * 3),
          };
          gts.push(gtSeg);
          for (let d = 0; d < 3; d++) {
            const jitter = () => (rand() - 0.5) * 6;
            dets.push({
              video: `v${v}`,
              start: gtSeg.start + jitter(),
              end: gtSeg.end + jitter() + 3,
              label: rand() < 0.8 ? gtSeg.label : Math.floor(rand() * 3),
              score: Math.round(rand() * 1000) / 1000,
            });
          }
        }
      }
      return { dets, gts };
    });
    const thresholds = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];
    const ref = runReference(
      cases.map(({ dets, gts }) => ({ fn: 'temporal_map', args: { dets, gts, thresholds, num_classes: 3 } })),
    ) as { map: number; perThreshold: number[] }[];
    cases.forEach(({ dets, gts }, i) => {
      const r = temporalLocalizationMap(dets, gts, { numClasses: 3 });
      expect(r.map).toBeCloseTo(ref[i].map, 10);
      r.mapPerThreshold.forEach((m, k) => {
        expect(m).toBeCloseTo(ref[i].perThreshold[k], 10);
      });
    });
  });
});
