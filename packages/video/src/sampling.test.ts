import { ConfigError } from '@vfmkit/core';
import { describe, expect, it } from 'vitest';
import {
  multiView,
  randomClipIndices,
  segmentRandomIndices,
  slidingWindows,
  spatialViews,
  temporalViews,
  uniformIndices,
} from './sampling';

const arr = (a: Int32Array) => Array.from(a);

describe('samplers (hand-computed indices)', () => {
  it('uniformIndices takes segment centres', () => {
    expect(arr(uniformIndices(10, 4))).toEqual([1, 3, 6, 8]);
    expect(arr(uniformIndices(3, 5))).toEqual([0, 0, 1, 2, 2]);
    expect(arr(uniformIndices(16, 16))).toEqual(Array.from({ length: 16 }, (_, i) => i));
  });

  it('segmentRandomIndices draws one frame inside each segment, seeded', () => {
    for (let s = 0; s < 50; s++) {
      const idx = segmentRandomIndices(20, 4, s);
      idx.forEach((v, i) => {
        expect(v).toBeGreaterThanOrEqual(i * 5);
        expect(v).toBeLessThan((i + 1) * 5);
      });
      expect(arr(segmentRandomIndices(20, 4, s))).toEqual(arr(idx));
    }
  });

  it('randomClipIndices: stride s from a uniform start where the clip fits', () => {
    const starts = new Set<number>();
    let bad = 0;
    for (let s = 0; s < 3000; s++) {
      const idx = randomClipIndices(100, 4, 3, s);
      if (idx[1] - idx[0] !== 3 || idx[3] - idx[2] !== 3 || idx[2] - idx[1] !== 3) bad++;
      if (idx[0] < 0 || idx[0] > 90) bad++;
      starts.add(idx[0]);
    }
    expect(bad).toBe(0);
    expect(starts.size).toBe(91);
    expect(arr(randomClipIndices(100, 4, 3, 7))).toEqual(arr(randomClipIndices(100, 4, 3, 7)));
    // shorter than the span: start 0, repeat the last frame
    expect(arr(randomClipIndices(5, 4, 2, 1))).toEqual([0, 2, 4, 4]);
  });

  it('slidingWindows covers the video, the last window aligned to the end', () => {
    expect(slidingWindows(10, 3, 2).map(arr)).toEqual([
      [0, 2, 4],
      [5, 7, 9],
    ]);
    expect(slidingWindows(12, 3, 2).map(arr)).toEqual([
      [0, 2, 4],
      [5, 7, 9],
      [7, 9, 11],
    ]);
    expect(slidingWindows(10, 2, 1, 3).map(arr)).toEqual([
      [0, 1],
      [3, 4],
      [6, 7],
      [8, 9],
    ]);
    expect(slidingWindows(3, 4, 1).map(arr)).toEqual([[0, 1, 2, 2]]);
  });

  it('temporalViews spaces clips evenly; one clip is centred', () => {
    expect(temporalViews(100, 4, 2, 3).map(arr)).toEqual([
      [0, 2, 4, 6],
      [47, 49, 51, 53],
      [93, 95, 97, 99],
    ]);
    expect(temporalViews(100, 4, 2, 1).map(arr)).toEqual([[46, 48, 50, 52]]);
  });

  it('spatialViews: 3 crops along the longer side, 1 centred', () => {
    expect(spatialViews(48, 64, 32, 3)).toEqual(
      [0, 16, 32].map((left) => ({ top: 8, left, height: 32, width: 32 })),
    );
    expect(spatialViews(64, 48, 32, 3)).toEqual(
      [0, 16, 32].map((top) => ({ top, left: 8, height: 32, width: 32 })),
    );
    expect(spatialViews(48, 64, 32, 1)).toEqual([{ top: 8, left: 16, height: 32, width: 32 }]);
    expect(() => spatialViews(20, 64, 32, 3)).toThrow(ConfigError);
  });

  it('multiView is clips x crops, clip-major', () => {
    const views = multiView(
      100,
      { frames: 4, stride: 2, clips: 2 },
      { height: 48, width: 64, size: 32, crops: 3 },
    );
    expect(views.map((v) => [v.clip, v.crop, v.indices[0], v.box.left])).toEqual([
      [0, 0, 0, 0],
      [0, 1, 0, 16],
      [0, 2, 0, 32],
      [1, 0, 93, 0],
      [1, 1, 93, 16],
      [1, 2, 93, 32],
    ]);
  });

  it('rejects bad arguments with ConfigError', () => {
    expect(() => uniformIndices(0, 4)).toThrow(ConfigError);
    expect(() => randomClipIndices(10, 4, 0, 1)).toThrow(/stride/);
    expect(() => slidingWindows(10, 2, 1, 0)).toThrow(/step/);
  });
});
