import { ConfigError, ShapeError } from '@vfmkit/core';
import { describe, expect, it } from 'vitest';
import { hasPython, runReference } from '../test/python-reference';
import { MetricInputError } from './errors';
import { scaleToTapVid, tapVidMetrics } from './point-tracking';

describe('tapVidMetrics', () => {
  // 1 video, 1 point, 4 frames, query at frame 0
  const base = {
    queryPoints: [0, 10, 10],
    gtTracks: [10, 10, /**/ 20, 20, /**/ 30, 30, /**/ 40, 40],
    shape: [1, 1, 4],
  };
  it('scores a hand-worked track in first mode', () => {
    // frame 1: off by 3 px (visible, predicted visible); frame 2: exact but predicted occluded;
    // frame 3: occluded in truth, predicted visible. Frame 0 is the query: never scored.
    const r = tapVidMetrics({
      ...base,
      gtOccluded: [0, 0, 0, 1],
      predOccluded: [1, 0, 1, 0],
      predTracks: [99, 99, /**/ 23, 20, /**/ 30, 30, /**/ 40, 40],
      queryMode: 'first',
    });
    // OA: frames 1..3 agree? f1 0=0 yes, f2 0 vs 1 no, f3 1 vs 0 no -> 1/3
    expect(r.occlusionAccuracy).toBeCloseTo(1 / 3, 12);
    // within: visible frames 1, 2; f1 within 4, 8, 16 (3 < x), f2 within all -> [1/2, 1/2, 1, 1, 1]
    expect([...r.ptsWithin]).toEqual([0.5, 0.5, 1, 1, 1]);
    expect(r.averagePtsWithinThresh).toBeCloseTo(0.8, 12);
    // jaccard at thr 1, 2: TP 0, FP f1 (too far) + f3 (occluded) = 2, gt visible 2 -> 0/4
    // at 4, 8, 16: TP f1, FP f3, FN f2 -> 1 / (2 + 1) = 1/3
    expect(r.jaccard[0]).toBe(0);
    expect(r.jaccard[2]).toBeCloseTo(1 / 3, 12);
    expect(r.averageJaccard).toBeCloseTo(1 / 5, 12);
  });
  it('uses a strict threshold and scores frames before the query in strided mode', () => {
    const r = tapVidMetrics({
      ...base,
      queryPoints: [2, 30, 30],
      gtOccluded: [0, 0, 0, 0],
      predOccluded: [0, 0, 0, 0],
      predTracks: [11, 10, /**/ 24, 20, /**/ 0, 0, /**/ 40, 56], // 1 px, 4 px, (query), 16 px
      queryMode: 'strided',
    });
    // distances 1, 4, 16 are not < 1, 4, 16 respectively
    expect([...r.ptsWithin].map((x) => x * 3)).toEqual([0, 1, 1, 2, 2].map((x) => expect.closeTo(x, 12)));
    expect(r.occlusionAccuracy).toBe(1);
  });
  it('handles an all-occluded track: no visible points gives NaN fractions, false alarms give Jaccard 0', () => {
    const r = tapVidMetrics({
      ...base,
      gtOccluded: [0, 1, 1, 1],
      predOccluded: [0, 0, 1, 1],
      predTracks: base.gtTracks,
      queryMode: 'first',
    });
    expect(r.perVideo.averagePtsWithinThresh[0]).toBeNaN();
    expect(r.perVideo.averageJaccard[0]).toBe(0);
    expect(r.occlusionAccuracy).toBeCloseTo(2 / 3, 12);
    // all predicted occluded too: Jaccard 0/0 -> NaN, OA 1
    const quiet = tapVidMetrics({
      ...base,
      gtOccluded: [0, 1, 1, 1],
      predOccluded: [0, 1, 1, 1],
      predTracks: base.gtTracks,
      queryMode: 'first',
    });
    expect(quiet.averageJaccard).toBeNaN();
    expect(quiet.occlusionAccuracy).toBe(1);
  });
  it('rejects bad input', () => {
    const ok = {
      ...base,
      gtOccluded: [0, 0, 0, 0],
      predOccluded: [0, 0, 0, 0],
      predTracks: base.gtTracks,
      queryMode: 'first' as const,
    };
    expect(() => tapVidMetrics({ ...ok, predTracks: [1, 2] })).toThrow(ShapeError);
    expect(() => tapVidMetrics({ ...ok, queryPoints: [7, 0, 0] })).toThrow(MetricInputError);
    expect(() => tapVidMetrics({ ...ok, predOccluded: [0, 0, 0, 0.5] })).toThrow(MetricInputError);
    expect(() => tapVidMetrics({ ...ok, queryMode: 'last' as 'first' })).toThrow(ConfigError);
  });
  it('rescales to 256 x 256', () => {
    expect([...scaleToTapVid([32, 16, 64, 48], 64, 32)]).toEqual([128, 128, 256, 384]);
  });
  it.skipIf(!hasPython)('agrees with a numpy implementation of the TAP-Vid formulas', () => {
    let seed = 5;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const [B, N, T] = [3, 7, 10];
    const calls = (['first', 'strided'] as const).map((queryMode) => {
      const q: number[][][] = [];
      const gtOcc: boolean[][][] = [];
      const prOcc: boolean[][][] = [];
      const gt: number[][][][] = [];
      const pr: number[][][][] = [];
      for (let b = 0; b < B; b++) {
        q.push([]);
        gtOcc.push([]);
        prOcc.push([]);
        gt.push([]);
        pr.push([]);
        for (let n = 0; n < N; n++) {
          q[b].push([Math.floor(rand() * (queryMode === 'first' ? 3 : T)), rand() * 256, rand() * 256]);
          gtOcc[b].push(Array.from({ length: T }, () => rand() < 0.3));
          prOcc[b].push(gtOcc[b][n].map((o) => (rand() < 0.8 ? o : !o)));
          const g = Array.from({ length: T }, () => [rand() * 256, rand() * 256]);
          gt[b].push(g);
          pr[b].push(g.map(([x, y]) => [x + (rand() - 0.5) * 30, y + (rand() - 0.5) * 30]));
        }
      }
      return {
        fn: 'tapvid' as const,
        args: {
          query_points: q,
          gt_occluded: gtOcc,
          gt_tracks: gt,
          pred_occluded: prOcc,
          pred_tracks: pr,
          query_mode: queryMode,
        },
      };
    });
    const ref = runReference(calls) as {
      aj: number[];
      pts: number[];
      oa: number[];
      jaccard: number[];
      within: number[];
    }[];
    calls.forEach(({ args }, i) => {
      const r = tapVidMetrics({
        queryPoints: args.query_points.flat(2),
        gtOccluded: args.gt_occluded.flat(2),
        predOccluded: args.pred_occluded.flat(2),
        gtTracks: args.gt_tracks.flat(3),
        predTracks: args.pred_tracks.flat(3),
        shape: [B, N, T],
        queryMode: args.query_mode,
      });
      ref[i].aj.forEach((v, b) => {
        expect(r.perVideo.averageJaccard[b]).toBeCloseTo(v, 12);
      });
      ref[i].pts.forEach((v, b) => {
        expect(r.perVideo.averagePtsWithinThresh[b]).toBeCloseTo(v, 12);
      });
      ref[i].oa.forEach((v, b) => {
        expect(r.perVideo.occlusionAccuracy[b]).toBeCloseTo(v, 12);
      });
      ref[i].jaccard.forEach((v, k) => {
        expect(r.jaccard[k]).toBeCloseTo(v, 12);
      });
      ref[i].within.forEach((v, k) => {
        expect(r.ptsWithin[k]).toBeCloseTo(v, 12);
      });
      expect(r.averageJaccard).toBeGreaterThan(0);
    });
  });
});
