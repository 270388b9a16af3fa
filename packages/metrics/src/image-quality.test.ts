import { Rng } from '@vfmkit/core';
import { describe, expect, it } from 'vitest';
import { hasPython, runReference } from '../test/python-reference';
import { MetricInputError } from './errors';
import { psnr, ssim } from './image-quality';

function clip(shape: number[], seed: number) {
  const rng = new Rng(seed);
  return {
    data: Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform()),
    shape,
  };
}

describe('psnr', () => {
  it('matches a hand-worked case and is Infinity for equal inputs', () => {
    // MSE = (0.1^2 + 0.3^2) / 2 = 0.05 -> 10 log10(1 / 0.05) = 13.0103
    const a = { data: [0.5, 0.2], shape: [1, 2, 1] };
    const b = { data: [0.6, 0.5], shape: [1, 2, 1] };
    expect(psnr(a, b)).toBeCloseTo(13.0103, 4);
    expect(psnr(a, a)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('ssim', () => {
  it('is 1 for identical frames and lower for noisy ones', () => {
    const a = clip([2, 16, 16, 3], 1);
    expect(ssim(a, a)).toBeCloseTo(1, 12);
    const noisy = { data: a.data.map((v, i) => v + (i % 2 ? 0.1 : -0.1)), shape: a.shape };
    expect(ssim(a, noisy)).toBeLessThan(0.95);
  });

  it('equals (2 mu_x mu_y + C1)(C2) / ((mu_x^2 + mu_y^2 + C1)(C2)) for two constant frames (hand-worked)', () => {
    // Constant images have zero variance and covariance: SSIM = (2*0.5*0.25 + C1) / (0.25 + 0.0625 + C1).
    const a = { data: new Array(64).fill(0.5), shape: [8, 8, 1] };
    const b = { data: new Array(64).fill(0.25), shape: [8, 8, 1] };
    const c1 = 0.01 ** 2;
    expect(ssim(a, b)).toBeCloseTo((0.25 + c1) / (0.3125 + c1), 12);
  });

  it.skipIf(!hasPython)('agrees with a numpy implementation with a direct 2-D Gaussian window', () => {
    const cases = [
      { shape: [2, 16, 20, 3], window: 11 },
      { shape: [1, 9, 12, 1], window: 11 }, // the window shrinks to 9
      { shape: [3, 8, 8, 2], window: 7 },
    ];
    const inputs = cases.map(({ shape }, i) => {
      const a = clip(shape, 10 + i);
      const noise = clip(shape, 20 + i);
      const b = {
        data: a.data.map((v, j) => Math.min(1, Math.max(0, v * 0.8 + 0.3 * noise.data[j]))),
        shape,
      };
      return { a, b };
    });
    const expected = runReference(
      cases.map(({ shape, window }, i) => ({
        fn: 'ssim' as const,
        args: { a: Array.from(inputs[i].a.data), b: Array.from(inputs[i].b.data), shape, window },
      })),
    ) as number[];
    for (const [i, { window }] of cases.entries())
      expect(ssim(inputs[i].a, inputs[i].b, { window })).toBeCloseTo(expected[i], 10);
  });

  it('rejects inputs of different shapes, naming them', () => {
    expect(() => ssim({ data: [0], shape: [1, 1, 1] }, { data: [0, 0], shape: [1, 2, 1] })).toThrow(
      MetricInputError,
    );
  });
});
