import { ShapeError } from '@vfmkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encoderMaskBatch } from './encoder-mask';
import { TokenIndexError } from './errors';
import { gatherTokens, scatterTokens } from './gather';

describe('gather / scatter token rows', () => {
  it('hand-worked: [B=2, N=3, D=2]', () => {
    const x = Float32Array.from([0, 1, 10, 11, 20, 21, 100, 101, 110, 111, 120, 121]);
    const idx = Int32Array.from([2, 0, 1, 1]);
    expect([...gatherTokens(x, [2, 3, 2], idx)]).toEqual([20, 21, 0, 1, 110, 111, 110, 111]);
    const rows = Float32Array.from([5, 6, 7, 8]);
    const full = scatterTokens(rows, [2, 1, 2], Int32Array.from([1, 2]), 3, {
      fill: Float32Array.from([-1, -2]),
    });
    expect([...full]).toEqual([-1, -2, 5, 6, -1, -2, -1, -2, -1, -2, 7, 8]);
  });

  it('encoder input -> [keep, masked] -> restore gives the tokens back; scatter inverts gather (property)', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        (seed, b, d) => {
          const grid = { t: 2, h: 3, w: 4 };
          const n = 24;
          const masks = encoderMaskBatch(b, grid, { kind: 'random', ratio: 0.6 }, seed);
          const x = Float32Array.from({ length: b * n * d }, (_, i) => i * 0.5);
          const vis = gatherTokens(x, [b, n, d], masks.keep);
          const hid = gatherTokens(x, [b, n, d], masks.masked);
          const k = masks.keepCount;
          const m = masks.maskedCount;
          const cat = new Float32Array(b * n * d);
          for (let r = 0; r < b; r++) {
            cat.set(vis.subarray(r * k * d, (r + 1) * k * d), r * n * d);
            cat.set(hid.subarray(r * m * d, (r + 1) * m * d), r * n * d + k * d);
          }
          expect(gatherTokens(cat, [b, n, d], masks.restore)).toEqual(x);
          const back = scatterTokens(vis, [b, k, d], masks.keep, n, { fill: Number.NaN });
          for (let i = 0; i < b * n; i++) {
            const hidden = masks.hidden[i] === 1;
            for (let j = 0; j < d; j++) {
              const v = back[i * d + j];
              if (hidden) expect(Number.isNaN(v)).toBe(true);
              else expect(v).toBe(x[i * d + j]);
            }
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it('typed errors: lengths and out-of-range indices', () => {
    const x = new Float32Array(12);
    expect(() => gatherTokens(x, [2, 3, 3], Int32Array.from([0, 1]))).toThrow(ShapeError);
    expect(() => gatherTokens(x, [2, 3, 2], Int32Array.from([0, 1, 2]))).toThrow(ShapeError);
    expect(() => gatherTokens(x, [2, 3, 2], Int32Array.from([0, 3]))).toThrow(TokenIndexError);
    expect(() => gatherTokens(x, [2, 3, 2], Int32Array.from([-1, 0]))).toThrow(/outside \[0, 3\)/);
    expect(() => scatterTokens(x, [2, 3, 2], Int32Array.from([0, 1, 2, 0, 1, 9]), 4)).toThrow(
      TokenIndexError,
    );
    expect(() => scatterTokens(x, [2, 3, 2], Int32Array.from([0, 1]), 4)).toThrow(ShapeError);
    expect(() => scatterTokens(x, [2, 3, 2], new Int32Array(6), 4, { fill: new Float32Array(3) })).toThrow(
      ShapeError,
    );
  });
});
