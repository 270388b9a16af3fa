import { describe, expect, it } from 'vitest';
import { reciprocalRankFusion } from './rrf';

describe('reciprocalRankFusion', () => {
  it('matches a hand-worked example (k = 60)', () => {
    // dense:   a b c      lexical: c a d
    // a: 1/61 + 1/62 = 0.0163934 + 0.0161290 = 0.0325224
    // c: 1/63 + 1/61 = 0.0158730 + 0.0163934 = 0.0322664
    // b: 1/62        = 0.0161290
    // d: 1/63        = 0.0158730
    const fused = reciprocalRankFusion([
      ['a', 'b', 'c'],
      ['c', 'a', 'd'],
    ]);
    expect(fused.map((h) => h.id)).toEqual(['a', 'c', 'b', 'd']);
    expect(fused[0].score).toBeCloseTo(0.0325224, 6);
    expect(fused[1].score).toBeCloseTo(0.0322664, 6);
    expect(fused[2].score).toBeCloseTo(0.016129, 6);
    expect(fused[3].score).toBeCloseTo(0.015873, 6);
    expect(fused[1].ranks).toEqual([3, 1]);
    expect(fused[3].ranks).toEqual([undefined, 3]);
  });

  it('applies weights, k = 0, counts duplicates once and breaks ties by best rank then id', () => {
    // k = 0, weights [2, 1]: x: 2/1 = 2; y: 2/2 + 1/1 = 2 -> tie, x has best rank 1 = y's best rank 1 -> id.
    const fused = reciprocalRankFusion(
      [
        ['x', 'y', 'x'],
        ['y', 'z'],
      ],
      0,
      [2, 1],
    );
    expect(fused.map((h) => [h.id, h.score])).toEqual([
      ['x', 2],
      ['y', 2],
      ['z', 0.5],
    ]);
  });

  it('rejects bad arguments', () => {
    expect(() => reciprocalRankFusion([['a']], -1)).toThrow(/k must be >= 0/);
    expect(() => reciprocalRankFusion([['a']], 60, [1, 2])).toThrow(/2 weights for 1 lists/);
  });
});
