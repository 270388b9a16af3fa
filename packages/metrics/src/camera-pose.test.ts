import { ConfigError, ShapeError } from '@vfmkit/core';
import { describe, expect, it } from 'vitest';
import { hasPython, runReference } from '../test/python-reference';
import { cameraPoseMetrics, directionAngleDegrees, rotationAngleDegrees } from './camera-pose';
import { umeyama } from './internal/linalg';

/** Row-major [3, 4] camera-to-world pose: rotation about z by `deg`, then translation t. */
function poseZ(deg: number, t: [number, number, number]): number[] {
  const a = (deg * Math.PI) / 180;
  const [c, s] = [Math.cos(a), Math.sin(a)];
  return [c, -s, 0, t[0], s, c, 0, t[1], 0, 0, 1, t[2]];
}

describe('rotation and direction angles', () => {
  it('are hand-checkable', () => {
    const r0 = [1, 0, 0, 0, 1, 0, 0, 0, 1];
    const r90 = [0, -1, 0, 1, 0, 0, 0, 0, 1];
    expect(rotationAngleDegrees(r0, r90)).toBeCloseTo(90, 10);
    expect(rotationAngleDegrees(r90, r90)).toBeCloseTo(0, 6);
    expect(directionAngleDegrees([1, 0, 0], [0, 2, 0])).toBeCloseTo(90, 10);
    expect(directionAngleDegrees([1, 0, 0], [-1, 0, 0])).toBeCloseTo(180, 10);
    expect(directionAngleDegrees([0, 0, 0], [1, 0, 0])).toBe(180);
    expect(directionAngleDegrees([1, 0, 0], [0, 0, 0])).toBeNaN();
  });
});

describe('cameraPoseMetrics', () => {
  it('is perfect for a prediction that differs by a global similarity', () => {
    const gt = [poseZ(0, [0, 0, 0]), poseZ(10, [1, 0, 0]), poseZ(25, [2, 1, 0]), poseZ(40, [2, 3, 1])].flat();
    // world change: rotate about z by 30 degrees, scale 2, shift; relative poses keep their rotation,
    // and relative translations only scale, so every error is 0 and ATE (Sim(3)) is 0.
    const a = (30 * Math.PI) / 180;
    const W = [Math.cos(a), -Math.sin(a), 0, Math.sin(a), Math.cos(a), 0, 0, 0, 1];
    const pred: number[] = [];
    for (let f = 0; f < 4; f++) {
      const R = gt.slice(f * 12, f * 12 + 12);
      const Rm = [R[0], R[1], R[2], R[4], R[5], R[6], R[8], R[9], R[10]];
      const t = [R[3], R[7], R[11]];
      const WR = [0, 1, 2].flatMap((r) =>
        [0, 1, 2].map((c) => W[r * 3] * Rm[c] + W[r * 3 + 1] * Rm[3 + c] + W[r * 3 + 2] * Rm[6 + c]),
      );
      const Wt = [0, 1, 2].map(
        (r) => 2 * (W[r * 3] * t[0] + W[r * 3 + 1] * t[1] + W[r * 3 + 2] * t[2]) + [5, -1, 3][r],
      );
      pred.push(WR[0], WR[1], WR[2], Wt[0], WR[3], WR[4], WR[5], Wt[1], WR[6], WR[7], WR[8], Wt[2]);
    }
    const r = cameraPoseMetrics(pred, gt, [4, 3, 4]);
    expect(r.pairs).toBe(6);
    expect(r.rotationErrorMean).toBeLessThan(1e-5);
    expect(r.translationErrorMean).toBeLessThan(1e-5);
    expect(r.auc).toBe(1);
    expect(r.ate).toBeLessThan(1e-9);
    expect([...r.rotationAccuracy]).toEqual([1, 1, 1]);
    // SE(3) alignment cannot undo the scale of 2
    expect(cameraPoseMetrics(pred, gt, [4, 3, 4], { alignScale: false }).ate).toBeGreaterThan(0.5);
  });
  it('scores a hand-worked two-frame case', () => {
    // truth: frame 1 rotated 20 degrees and moved along +x; prediction: not rotated, moved along +y
    const gt = [poseZ(0, [0, 0, 0]), poseZ(20, [1, 0, 0])].flat();
    const pred = [poseZ(0, [0, 0, 0]), poseZ(0, [0, 1, 0])].flat();
    const r = cameraPoseMetrics(pred, gt, [2, 3, 4], { thresholds: [15, 30] });
    expect(r.rotationErrorMean).toBeCloseTo(20, 8);
    expect(r.translationErrorMean).toBeCloseTo(90, 8);
    expect([...r.rotationAccuracy]).toEqual([0, 1]);
    expect([...r.translationAccuracy]).toEqual([0, 0]);
    expect(r.auc).toBe(0); // max error 90 > 30
    // two centres can always be aligned exactly with a similarity
    expect(r.ate).toBeLessThan(1e-9);
  });
  it('leaves out pairs without a true baseline from translation statistics', () => {
    const gt = [poseZ(0, [0, 0, 0]), poseZ(5.5, [0, 0, 0])].flat(); // pure rotation
    const pred = [poseZ(0, [0, 0, 0]), poseZ(0, [0, 0, 0])].flat();
    const r = cameraPoseMetrics(pred, gt, [2, 3, 4], { pairs: 'consecutive' });
    expect(r.pairsWithoutBaseline).toBe(1);
    expect(r.translationErrorMean).toBeNaN();
    // AUC on rotation error 5.5: fraction < t for t = 1..30 is 0 for t <= 5, 1 after -> 25/30
    expect(r.auc).toBeCloseTo(25 / 30, 10);
  });
  it('rejects bad input', () => {
    expect(() => cameraPoseMetrics([0], [0], [1, 3, 3])).toThrow(ShapeError);
    expect(() => cameraPoseMetrics([], [], [0, 2, 4])).toThrow(ShapeError);
    const p = poseZ(0, [0, 0, 0]);
    expect(() => cameraPoseMetrics(p, p, [1, 3, 4], { pairs: 'some' as 'all' })).toThrow(ConfigError);
    expect(() => cameraPoseMetrics(p, p, [1, 3, 4], { aucMaxDegrees: 0 })).toThrow(ConfigError);
  });
  it.skipIf(!hasPython)('ATE alignment agrees with numpy SVD-based Umeyama', () => {
    let seed = 9;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const cases = Array.from({ length: 8 }, (_, c) => {
      const m = 3 + c * 2;
      const dst = Array.from({ length: 3 * m }, () => rand() * 10 - 5);
      // src = a noisy, rotated (sometimes reflected) and scaled copy
      const flip = c % 3 === 0 ? -1 : 1;
      const src: number[] = [];
      for (let i = 0; i < m; i++) {
        const [x, y, z] = dst.slice(3 * i, 3 * i + 3);
        src.push(0.5 * (y + (rand() - 0.5)), 0.5 * (-x + (rand() - 0.5)), 0.5 * flip * z + 2 + rand());
      }
      return { src, dst, withScale: c % 2 === 0 };
    });
    const ref = runReference(
      cases.map((c) => ({ fn: 'umeyama_ate', args: { src: c.src, dst: c.dst, with_scale: c.withScale } })),
    ) as number[];
    cases.forEach((c, i) => {
      const { rotation: R, translation: t, scale } = umeyama(c.src, c.dst, c.withScale);
      let se = 0;
      const m = c.src.length / 3;
      for (let k = 0; k < m; k++)
        for (let r = 0; r < 3; r++) {
          const y =
            scale *
              (R[r * 3] * c.src[3 * k] + R[r * 3 + 1] * c.src[3 * k + 1] + R[r * 3 + 2] * c.src[3 * k + 2]) +
            t[r];
          se += (y - c.dst[3 * k + r]) ** 2;
        }
      expect(Math.sqrt(se / m)).toBeCloseTo(ref[i], 9);
    });
  });
});
