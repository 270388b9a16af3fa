import { ConfigError, Rng } from '@vfmkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DecoderMask, decoderMask, decoderMaskBatch } from './decoder-mask';
import {
  allDecoderMask,
  randomDecoderMask,
  runningCellDecoderMask,
  uniformDecoderMask,
} from './decoder-strategies';
import { encoderMaskBatch } from './encoder-mask';
import { MaskBudgetError, RaggedBatchError } from './errors';
import { randomMask } from './random-mask';
import { maskRow, tokenMaskFromHidden } from './token-mask';
import { tubeMask } from './tube-mask';

/** Both forms agree, indices ascending, every index a candidate. */
function expectDecoder(d: DecoderMask, candidates: ReadonlySet<number>, k: number): void {
  expect(d.indices.length).toBe(k);
  let ones = 0;
  for (const v of d.target) ones += v;
  expect(ones).toBe(k);
  const ok = [...d.indices].every(
    (v, j) => d.target[v] === 1 && candidates.has(v) && (j === 0 || v > d.indices[j - 1]),
  );
  expect(ok).toBe(true);
}

const grid = { t: 4, h: 6, w: 6 };

describe('decoder masks over hidden tokens', () => {
  it('all: exactly the hidden tokens', () => {
    const enc = tubeMask(grid, 0.75, 3);
    const d = allDecoderMask(enc);
    expect(d.indices).toEqual(enc.masked);
    expect(d.target).toEqual(enc.hidden);
  });

  it('random: k hidden tokens, k = round(fraction x N), reproducible (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.5, max: 0.95, noNaN: true }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.integer(),
        (ratio, fraction, seed) => {
          const enc = randomMask(grid, ratio, seed);
          const d = randomDecoderMask(enc, { fraction }, seed + 1);
          expectDecoder(d, new Set(enc.masked), Math.round(fraction * 144));
          expect(randomDecoderMask(enc, { fraction }, seed + 1).indices).toEqual(d.indices);
        },
      ),
    );
  });

  it('uniform: hand-worked strides over the hidden list', () => {
    // hidden tokens 1, 2, 4, 5, 7, 8 (6 candidates); k = 3 -> candidates 0, 2, 4 -> tokens 1, 4, 7
    const enc = tokenMaskFromHidden({ t: 1, h: 1, w: 9 }, [0, 1, 1, 0, 1, 1, 0, 1, 1]);
    expect([...uniformDecoderMask(enc, { count: 3 }).indices]).toEqual([1, 4, 7]);
    // phase 0.5 -> candidates floor(0.5 * 2) = 1, 3, 5 -> tokens 2, 5, 8
    expect([...uniformDecoderMask(enc, { count: 3 }, { phase: 0.5 }).indices]).toEqual([2, 5, 8]);
    // k = 4 of 6: floor(i * 1.5) = 0, 1, 3, 4 -> tokens 1, 2, 5, 7
    expect([...uniformDecoderMask(enc, { count: 4 }).indices]).toEqual([1, 2, 5, 7]);
  });

  it('uniform: k distinct hidden tokens for any budget and phase (property)', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 0, max: 36 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (seed, count, phase) => {
          const enc = tubeMask(grid, 0.25, seed); // 9 x 4 = 36 hidden
          expectDecoder(uniformDecoderMask(enc, { count }, { phase }), new Set(enc.masked), count);
        },
      ),
    );
  });

  it('running-cell: grid source reconstructs fraction x N, VideoMAE V2 pattern (hand-worked)', () => {
    const d = runningCellDecoderMask({ t: 2, h: 2, w: 2 }, 0, { offset: 0 });
    // dropped per cell = 2: t=0 pattern [1, 0, 0, 1] -> reconstruct tokens 1, 2; t=1 [0, 0, 1, 1] -> 4, 5
    expect([...d.indices]).toEqual([1, 2, 4, 5]);
    const rc = decoderMask({ t: 8, h: 14, w: 14 }, { kind: 'running-cell' }, 9);
    expect(rc.indices.length).toBe(784);
  });

  it('running-cell: with an encoder mask only hidden tokens are kept', () => {
    const enc = tubeMask(grid, 0.5, 4);
    const pattern = runningCellDecoderMask(grid, 0, { offset: 2 });
    const d = runningCellDecoderMask(enc, 0, { offset: 2 });
    const expected = [...enc.masked].filter((i) => pattern.target[i] === 1);
    expect([...d.indices]).toEqual(expected);
  });

  it('batch rows equal successive single masks; ragged rows throw RaggedBatchError', () => {
    const enc = encoderMaskBatch(4, grid, { kind: 'random', ratio: 0.75 }, 2);
    const batch = decoderMaskBatch(enc, { kind: 'random', budget: { fraction: 0.25 } }, 5);
    const rng = new Rng(5);
    for (let b = 0; b < 4; b++) {
      const one = decoderMask(maskRow(enc, b), { kind: 'random', budget: { fraction: 0.25 } }, rng);
      expect(batch.indices.subarray(b * batch.count, (b + 1) * batch.count)).toEqual(one.indices);
      expect(batch.target.subarray(b * 144, (b + 1) * 144)).toEqual(one.target);
    }
    const rc = decoderMaskBatch({ grid, batch: 3 }, { kind: 'running-cell' }, 1);
    expect(rc.count).toBe(72);
    expect(() => decoderMaskBatch(enc, { kind: 'running-cell' }, 1)).toThrow(RaggedBatchError);
  });

  it('typed errors: budget beyond the hidden tokens, bad budgets, missing seed', () => {
    const enc = tubeMask(grid, 0.5, 1); // 72 hidden of 144
    expect(() => randomDecoderMask(enc, { count: 73 }, 1)).toThrow(MaskBudgetError);
    expect(() => uniformDecoderMask(enc, { fraction: 0.6 })).toThrow(MaskBudgetError);
    try {
      randomDecoderMask(enc, { count: 100 }, 1);
    } catch (e) {
      expect((e as MaskBudgetError).code).toBe('MASK_BUDGET');
      expect((e as MaskBudgetError).details).toMatchObject({ requested: 100, available: 72 });
    }
    expect(() => randomDecoderMask(enc, { fraction: 1.5 }, 1)).toThrow(ConfigError);
    expect(() => randomDecoderMask(enc, { count: 2.5 }, 1)).toThrow(ConfigError);
    expect(() => decoderMask(enc, { kind: 'random', budget: { count: 3 } })).toThrow(/pass a seed/);
    expect(() => uniformDecoderMask(enc, { count: 3 }, { phase: 1 })).toThrow(ConfigError);
    expect(() => runningCellDecoderMask(grid, 1, { fraction: 0.3 })).toThrow(ConfigError);
    expect(() => decoderMask(enc, { kind: 'bogus' } as never)).toThrow(/unknown decoder mask kind/);
  });
});
