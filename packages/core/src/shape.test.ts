import { describe, expect, it } from 'vitest';
import { ConfigError, ShapeError } from './errors';
import { assertLength, assertShape } from './shape';
import { tokenGridOf } from './types';

describe('assertShape', () => {
  it('binds named dims and accepts wildcards', () => {
    expect(assertShape('x', [2, 1568, 384], ['B', null, 384])).toEqual({ B: 2 });
    expect(assertShape('y', [2, 3, 2], ['B', 'N', 'B'])).toEqual({ B: 2, N: 3 });
  });

  it('throws ShapeError naming expected and actual', () => {
    try {
      assertShape('tokens', [2, 10, 3], ['B', 'N', 384]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ShapeError);
      const err = e as ShapeError;
      expect(err.code).toBe('SHAPE');
      expect(err.message).toContain('tokens');
      expect(err.message).toContain('[B, N, 384]');
      expect(err.details.actual).toEqual([2, 10, 3]);
    }
    expect(() => assertShape('x', [2, 3], ['B', 'B'])).toThrow(/B = 2/);
    expect(() => assertShape('x', [2], ['B', 'N'])).toThrow(/rank 1/);
    expect(() => assertLength('x', new Float32Array(5), [2, 3])).toThrow(ShapeError);
  });
});

describe('tokenGridOf', () => {
  it('computes the standard 8 x 14 x 14 grid', () => {
    expect(tokenGridOf([16, 224, 224], [2, 16, 16])).toEqual({ t: 8, h: 14, w: 14 });
  });
  it('rejects sizes that are not multiples of the tubelet', () => {
    expect(() => tokenGridOf([15, 224, 224], [2, 16, 16])).toThrow(ConfigError);
    expect(() => tokenGridOf([16, 224, 224], [0, 16, 16])).toThrow(ConfigError);
  });
});
