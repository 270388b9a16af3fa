import { ShapeError } from '@vfmkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasPython, python } from '../test/test-helpers';
import { decoderMaskBatch } from './decoder-mask';
import { adaptiveDecoderMask } from './decoder-strategies';
import { encoderMaskBatch } from './encoder-mask';
import { MaskBudgetError, PriorityError } from './errors';
import { maskRow } from './token-mask';
import { tubeMask } from './tube-mask';

/** Reference: stable sort of candidates by (priority desc, index asc) in float64, first k, ascending. */
function referenceTopK(priority: Float32Array, candidates: readonly number[], k: number): number[] {
  return [...candidates]
    .sort((a, b) => priority[b] - priority[a] || a - b)
    .slice(0, k)
    .sort((a, b) => a - b);
}

/** Priorities with many ties, signed zeros, infinities and wide ranges. */
const priorityValues = fc.oneof(
  fc.integer({ min: -3, max: 3 }).map((v) => v),
  fc.constantFrom(0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-30, -1e30),
  fc.float({ noNaN: true }),
);

describe('adaptive decoder masks (top-k by priority)', () => {
  it('keep exactly the top k over all tokens, ties to the lower index (property)', () => {
    fc.assert(
      fc.property(
        fc.array(priorityValues, { minLength: 1, maxLength: 600 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (values, frac) => {
          const priority = Float32Array.from(values);
          const n = priority.length;
          const k = Math.round(frac * n);
          const d = adaptiveDecoderMask({ t: 1, h: 1, w: n }, priority, { count: k });
          const all = Array.from({ length: n }, (_, i) => i);
          expect([...d.indices]).toEqual(referenceTopK(priority, all, k));
          expect(d.target.reduce((s, v) => s + v, 0)).toBe(k);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keep the top k of the hidden tokens when given an encoder mask (property)', () => {
    const grid = { t: 3, h: 8, w: 8 };
    fc.assert(
      fc.property(
        fc.array(priorityValues, { minLength: 192, maxLength: 192 }),
        fc.integer(),
        fc.integer({ min: 0, max: 144 }),
        (values, seed, k) => {
          const priority = Float32Array.from(values);
          const enc = tubeMask(grid, 0.75, seed); // 48 x 3 = 144 hidden
          const d = adaptiveDecoderMask(enc, priority, { count: k });
          expect([...d.indices]).toEqual(referenceTopK(priority, [...enc.masked], k));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('hand-worked: budget 0.25 of 8 tokens with a tie at the threshold', () => {
    const p = Float32Array.from([0.1, 0.9, 0.5, 0.9, 0.2, 0.5, 0.3, 0.5]);
    // k = 2: both 0.9s (tokens 1, 3)
    expect([...adaptiveDecoderMask({ t: 2, h: 2, w: 2 }, p, { fraction: 0.25 }).indices]).toEqual([1, 3]);
    // k = 3: the 0.5 tie goes to the lowest index, token 2
    expect([...adaptiveDecoderMask({ t: 2, h: 2, w: 2 }, p, { count: 3 }).indices]).toEqual([1, 2, 3]);
  });

  it('128-frame grid, top 15%: the same set as a full sort, from all layouts of the data', () => {
    const n = 64 * 14 * 14;
    const k = Math.round(0.15 * n);
    const layouts: Record<string, (i: number) => number> = {
      uniform: (i) => Math.abs(Math.sin(i * 12.9898) * 43758.5453) % 1,
      ascending: (i) => i,
      descending: (i) => -i,
      plateau: (i) => (i % 7 === 0 ? 1 : 0),
      allEqual: () => 0.5,
      // the strided sample (every 49th token from 24) sees only the high values: the bracket misses
      // and the full radix select runs
      adversarial: (i) => (i % 49 === 24 ? 1e6 : (i % 13) / 13),
    };
    const all = Array.from({ length: n }, (_, i) => i);
    for (const [name, f] of Object.entries(layouts)) {
      const p = Float32Array.from(all, f);
      const d = adaptiveDecoderMask({ t: 64, h: 14, w: 14 }, p, { fraction: 0.15 });
      expect([...d.indices], name).toEqual(referenceTopK(p, all, k));
    }
  });

  it('batch: row b ranks row b of a [B, N] priority, over each row of encoder masks', () => {
    const grid = { t: 2, h: 6, w: 6 };
    const enc = encoderMaskBatch(3, grid, { kind: 'random', ratio: 0.5 }, 8);
    const priority = Float32Array.from({ length: 3 * 72 }, (_, i) => (i * 37) % 11);
    const batch = decoderMaskBatch(enc, { kind: 'adaptive', budget: { count: 10 }, priority });
    for (let b = 0; b < 3; b++) {
      const row = priority.subarray(b * 72, (b + 1) * 72);
      expect([...batch.indices.subarray(b * 10, (b + 1) * 10)]).toEqual(
        referenceTopK(row, [...maskRow(enc, b).masked], 10),
      );
    }
  });

  it('sampling: reproducible, and frequencies follow priority (Gumbel top-k)', () => {
    const grid = { t: 1, h: 1, w: 4 };
    const p = Float32Array.from([1, 2, 3, 4]);
    const a = adaptiveDecoderMask(grid, p, { count: 2 }, { sample: { seed: 3 } });
    expect(adaptiveDecoderMask(grid, p, { count: 2 }, { sample: { seed: 3 } }).indices).toEqual(a.indices);
    const counts = [0, 0, 0, 0];
    const trials = 20000;
    const rngSeed = { seed: 0 };
    for (let i = 0; i < trials; i++) {
      rngSeed.seed = i;
      counts[adaptiveDecoderMask(grid, p, { count: 1 }, { sample: rngSeed }).indices[0]]++;
    }
    // P(first pick = i) = p_i / sum(p) = 0.1, 0.2, 0.3, 0.4; std of a frequency < 0.0035
    counts.forEach((c, i) => {
      expect(Math.abs(c / trials - (i + 1) / 10)).toBeLessThan(0.015);
    });
    // temperature -> 0 approaches the deterministic top-k
    const cold = adaptiveDecoderMask(grid, p, { count: 2 }, { sample: { seed: 1, temperature: 1e-3 } });
    expect([...cold.indices]).toEqual([2, 3]);
  });

  it('typed errors: NaN, wrong length, budget beyond candidates, negative when sampling', () => {
    const grid = { t: 1, h: 2, w: 4 };
    const p = Float32Array.from([1, 2, 3, Number.NaN, 5, 6, 7, 8]);
    expect(() => adaptiveDecoderMask(grid, p, { count: 2 })).toThrow(PriorityError);
    try {
      adaptiveDecoderMask(grid, p, { count: 2 });
    } catch (e) {
      expect((e as PriorityError).code).toBe('MASK_PRIORITY');
      expect((e as PriorityError).details.index).toBe(3);
    }
    const enc = tubeMask(grid, 0.5, 1);
    expect(() => adaptiveDecoderMask(enc, p, { count: 1 })).toThrow(PriorityError); // NaN outside candidates too
    expect(() => adaptiveDecoderMask(grid, new Float32Array(7), { count: 2 })).toThrow(ShapeError);
    expect(() => adaptiveDecoderMask(enc, new Float32Array(8), { count: 5 })).toThrow(MaskBudgetError);
    expect(() => adaptiveDecoderMask(grid, new Float32Array(8), { fraction: 1.01 })).toThrow(/budget/);
    const neg = Float32Array.from([1, -2, 3, 4, 5, 6, 7, 8]);
    expect(() => adaptiveDecoderMask(grid, neg, { count: 2 }, { sample: { seed: 1 } })).toThrow(/negative/);
    expect(adaptiveDecoderMask(grid, neg, { count: 1 }).indices[0]).toBe(7);
    expect(() =>
      adaptiveDecoderMask(grid, new Float32Array(8), { count: 2 }, { sample: { seed: 1, temperature: 0 } }),
    ).toThrow(/temperature/);
  });

  it.skipIf(!hasPython)('matches numpy: stable argsort of -priority, first k (float32 data)', () => {
    const n = 5000;
    const p = Float32Array.from({ length: n }, (_, i) => Math.round(Math.sin(i) * 1000) / 100);
    const ref = python<number[]>(
      `
import json, sys
import numpy as np
p, k = json.load(sys.stdin)
p = np.array(p, dtype=np.float32)
print(json.dumps(sorted(np.argsort(-p, kind='stable')[:k].tolist())))
`,
      [[...p], 750],
    );
    expect([...adaptiveDecoderMask({ t: 1, h: 50, w: 100 }, p, { count: 750 }).indices]).toEqual(ref);
  });
});
