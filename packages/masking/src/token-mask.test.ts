import { ConfigError, ShapeError } from '@vfmkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectConsistent } from '../test/test-helpers';
import { checkGrid, hiddenCount } from './grid';
import { tokenMaskFromHidden } from './token-mask';

describe('token masks: both forms', () => {
  it('hand-worked: 1 x 2 x 3 grid, tokens 1, 2 and 5 hidden', () => {
    const m = tokenMaskFromHidden({ t: 1, h: 2, w: 3 }, [false, true, true, false, false, true]);
    expect([...m.hidden]).toEqual([0, 1, 1, 0, 0, 1]);
    expect([...m.keep]).toEqual([0, 3, 4]);
    expect([...m.masked]).toEqual([1, 2, 5]);
    // [keep, masked] = [0, 3, 4, 1, 2, 5]; token 1 sits at position 3, token 5 at 5, ...
    expect([...m.restore]).toEqual([0, 3, 4, 1, 2, 5]);
  });

  it('restore inverts [keep, masked] for any boolean mask (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 300 }), (bits) => {
        const m = tokenMaskFromHidden({ t: 1, h: 1, w: bits.length }, bits);
        expectConsistent(m, bits.length, bits.filter(Boolean).length);
      }),
    );
  });

  it('rejects wrong lengths, non-boolean entries and empty grids', () => {
    expect(() => tokenMaskFromHidden({ t: 1, h: 2, w: 2 }, [1, 0, 1])).toThrow(ShapeError);
    expect(() => tokenMaskFromHidden({ t: 1, h: 1, w: 2 }, [1, 2])).toThrow(ConfigError);
    expect(() => checkGrid({ t: 0, h: 14, w: 14 })).toThrow(/grid needs at least one token/);
    expect(() => checkGrid({ t: 2, h: 1.5, w: 14 })).toThrow(ConfigError);
  });

  it("hidden count is VideoMAE's floor(ratio x n) by default, round half up on request; ratio in [0, 1)", () => {
    expect(hiddenCount(0.9, 1568)).toBe(1411); // 1411.2
    expect(hiddenCount(0.9, 196)).toBe(176); // 176.4, VideoMAE's tube count
    expect(hiddenCount(0.95, 1568)).toBe(1489); // 1489.6: int() in VideoMAE
    expect(hiddenCount(0.95, 1568, 'round')).toBe(1490);
    expect(hiddenCount(0.75, 6)).toBe(4); // 4.5
    expect(hiddenCount(0.75, 6, 'round')).toBe(5);
    expect(hiddenCount(0.65, 1568)).toBe(1019); // 1019.2
    expect(hiddenCount(0, 10)).toBe(0);
    expect(() => hiddenCount(0.5, 10, 'ceil' as never)).toThrow(/rounding/);
    for (const bad of [1, -0.1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => hiddenCount(bad, 10)).toThrow(ConfigError);
    }
    try {
      hiddenCount(1, 10);
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).code).toBe('CONFIG');
      expect((e as ConfigError).details.key).toBe('ratio');
    }
  });
});
