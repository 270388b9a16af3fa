import { ConfigError, Rng } from '@vfmkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gatherTokens } from './gather';
import { tokenShuffle, tokenShuffleBatch } from './token-shuffle';

describe('token shuffling (VideoPrism)', () => {
  it('order is a permutation and inverse undoes it; same seed, same order (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer(), (n, seed) => {
        const { order, inverse } = tokenShuffle(n, seed);
        expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
        for (let i = 0; i < n; i++) expect(order[inverse[i]]).toBe(i);
        expect(tokenShuffle(n, seed).order).toEqual(order);
      }),
      { numRuns: 60 },
    );
  });

  it('hand-worked: shuffling 3 token rows of width 2 and restoring them', () => {
    const x = Float32Array.from([0, 0, 1, 1, 2, 2]);
    const { order, inverse } = tokenShuffle(3, 4);
    const shuffled = gatherTokens(x, [1, 3, 2], order);
    expect([...shuffled]).toEqual([...order].flatMap((i) => [i, i]));
    expect(gatherTokens(shuffled, [1, 3, 2], inverse)).toEqual(x);
  });

  it('batch rows equal successive single shuffles from one Rng; bad sizes throw', () => {
    const batch = tokenShuffleBatch(3, 10, 7);
    const rng = new Rng(7);
    for (let b = 0; b < 3; b++)
      expect(batch.order.subarray(b * 10, b * 10 + 10)).toEqual(tokenShuffle(10, rng).order);
    expect(() => tokenShuffle(-1, 1)).toThrow(ConfigError);
    expect(() => tokenShuffleBatch(1.5, 3, 1)).toThrow(ConfigError);
  });
});
