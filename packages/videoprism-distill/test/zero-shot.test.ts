import { ConfigError, ShapeError } from '@vfmkit/core';
import { describe, expect, it } from 'vitest';
import {
  classEmbeddings,
  classPrompts,
  contrastiveBatch,
  distillBatch,
  zeroShotClassify,
} from '../src/index';

describe('zero-shot helpers', () => {
  it('prompts every template for every class, class-major', () => {
    const { prompts, classOf } = classPrompts(['jumping_jacks', 'walk'], ['a video of {}', '{}!']);
    expect(prompts).toEqual(['a video of jumping jacks', 'jumping jacks!', 'a video of walk', 'walk!']);
    expect(Array.from(classOf)).toEqual([0, 0, 1, 1]);
    expect(() => classPrompts([])).toThrow(ConfigError);
    expect(() => classPrompts(['a'], ['no slot'])).toThrow(ConfigError);
    expect(() => classPrompts(['  '])).toThrow(ConfigError);
  });

  it('class embeddings average and renormalise; classification picks the largest cosine (hand-worked)', () => {
    // Class 0 prompts (1, 0) and (0, 1) -> mean (0.5, 0.5) -> (1/sqrt2, 1/sqrt2); class 1 prompt (-1, 0).
    const cls = classEmbeddings(
      { data: Float32Array.from([1, 0, 0, 1, -1, 0]), shape: [3, 2] },
      Int32Array.from([0, 0, 1]),
      2,
    );
    const want = [Math.SQRT1_2, Math.SQRT1_2, -1, 0];
    for (const [i, x] of cls.entries()) expect(x).toBeCloseTo(want[i], 6);
    const { scores, predictions } = zeroShotClassify(
      { data: Float32Array.from([0.6, 0.8, -1, 0]), shape: [2, 2] },
      cls,
    );
    expect(scores[0]).toBeCloseTo(1.4 / Math.SQRT2, 6);
    expect(scores[1]).toBeCloseTo(-0.6, 6);
    expect(Array.from(predictions)).toEqual([0, 1]);
    expect(() =>
      classEmbeddings({ data: new Float32Array(4), shape: [2, 2] }, Int32Array.from([0, 0]), 2),
    ).toThrow(ConfigError);
    expect(() =>
      classEmbeddings({ data: new Float32Array(4), shape: [2, 2] }, Int32Array.from([0]), 1),
    ).toThrow(ShapeError);
  });
});

describe('batch builders', () => {
  const grid = { t: 2, h: 4, w: 4 };
  const clips = {
    data: new Float32Array(3 * 4 * 32 * 32 * 3),
    shape: [3, 4, 32, 32, 3] as [number, number, number, number, number],
  };

  it('stage 2: block masks at 0.65 and a permutation per clip', () => {
    const b = distillBatch(clips, grid, { ratio: 0.65 }, 1);
    expect(b.visible.shape).toEqual([3, 32 - 20]);
    expect(b.masked.shape).toEqual([3, 20]);
    expect(b.order.shape).toEqual([3, 32]);
    for (let r = 0; r < 3; r++) {
      const ids = [...b.visible.data.slice(r * 12, r * 12 + 12), ...b.masked.data.slice(r * 20, r * 20 + 20)];
      expect(ids.sort((x, y) => x - y)).toEqual(Array.from({ length: 32 }, (_, i) => i));
      expect([...b.order.data.slice(r * 32, r * 32 + 32)].sort((x, y) => x - y)).toEqual(
        Array.from({ length: 32 }, (_, i) => i),
      );
    }
    const off = distillBatch(clips, grid, { ratio: 0.65, shuffle: false }, 1);
    expect(Array.from(off.order.data.slice(0, 32))).toEqual(Array.from({ length: 32 }, (_, i) => i));
    expect(Array.from(off.visible.data)).toEqual(Array.from(b.visible.data));
  });

  it('stage 1: captions one per clip, tube drop keeps half', () => {
    const text = {
      ids: new Int32Array(3 * 5),
      mask: new Float32Array(3 * 5).fill(1),
      shape: [3, 5] as [number, number],
    };
    const b = contrastiveBatch(clips, text, grid, 0.5, 2);
    expect(b.visible.shape).toEqual([3, 16]);
    expect(b.ids.shape).toEqual([3, 5]);
    expect(contrastiveBatch(clips, text, grid, 0, 2).visible).toBeUndefined();
    expect(() => contrastiveBatch(clips, { ...text, shape: [2, 5] }, grid, 0.5, 2)).toThrow(ShapeError);
  });
});
