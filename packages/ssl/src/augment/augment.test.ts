import { type Clip, ConfigError, Rng, ShapeError } from '@vfmkit/core';
import { cropClip, resizeClip } from '@vfmkit/video';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { AUGMENT_POLICY_NAMES, augmentPolicy, parseAugmentPolicy } from './policy';
import { policyPreview } from './preview';
import { makeViews, sampleViewTiming, stackViews, takeFrames } from './views';

/** A clip whose every pixel of frame t holds t / 100 in channel 0 and a spatial pattern in 1 and 2. */
function timeCoded(t: number, h: number, w: number): Clip {
  const data = new Float32Array(t * h * w * 3);
  for (let f = 0; f < t; f++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const o = ((f * h + y) * w + x) * 3;
        data[o] = f / 100;
        data[o + 1] = y / h;
        data[o + 2] = x / w;
      }
  return { data, shape: [t, h, w, 3] };
}

describe('augmentation policies', () => {
  it('every named policy is valid data, round-trips through JSON, and builds views of the asked size', () => {
    const clip = timeCoded(16, 24, 20);
    for (const name of AUGMENT_POLICY_NAMES) {
      const policy = augmentPolicy(name, 16);
      expect(parseAugmentPolicy(JSON.parse(JSON.stringify(policy)))).toEqual(policy);
      const views = makeViews(clip, policy, { frames: 4, size: 16, count: 3 }, 1);
      expect(views).toHaveLength(3);
      for (const v of views) expect(v.shape).toEqual([4, 16, 16, 3]);
    }
    expect(augmentPolicy('strong', 32).spatial.map((t) => t.type)).toEqual([
      'randomResizedCrop',
      'horizontalFlip',
      'colorJitter',
      'grayscale',
      'gaussianBlur',
    ]);
    expect(augmentPolicy('strong', 224).spatial.at(-1)).toMatchObject({ kernelSize: 23 });
  });

  it('rejects unknown names and bad data with a ConfigError naming the key', () => {
    expect(() => augmentPolicy('extreme', 16)).toThrow(ConfigError);
    expect(() => augmentPolicy('weak', 0)).toThrow(/size/);
    try {
      parseAugmentPolicy({ temporal: { jitter: true, speeds: [0] }, spatial: [] });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).details.key).toBe('temporal.speeds.0');
    }
    expect(() =>
      parseAugmentPolicy({ temporal: { jitter: false, speeds: [1] }, spatial: [{ type: 'spin' }] }),
    ).toThrow(ConfigError);
  });

  it("'none' is the centred frames, shorter side resized, centre-cropped: nothing random", () => {
    const clip = timeCoded(10, 8, 12);
    const views = makeViews(clip, augmentPolicy('none', 4), { frames: 4, size: 4, count: 2 }, 5);
    // room = 10 - 4 = 6 -> start 3, frames 3..6; 8 x 12 -> 4 x 6 -> columns 1..4
    const expected = cropClip(resizeClip(takeFrames(clip, 3, 1, 4), 4, 6), {
      top: 0,
      left: 1,
      height: 4,
      width: 4,
    });
    expect(Array.from(views[0].data)).toEqual(Array.from(expected.data));
    expect(Array.from(views[1].data)).toEqual(Array.from(expected.data));
    for (let f = 0; f < 4; f++) expect(views[0].data[f * 4 * 4 * 3]).toBeCloseTo((3 + f) / 100, 6);
  });

  it('temporal jitter and speed: frames step by a listed speed from a start inside the clip', () => {
    const temporal = { jitter: true, speeds: [1, 2, 4] };
    const seen = new Set<string>();
    const rng = new Rng(3);
    for (let i = 0; i < 200; i++) {
      const { start, speed } = sampleViewTiming(16, 4, temporal, rng);
      expect(temporal.speeds).toContain(speed);
      expect(start).toBeGreaterThanOrEqual(0);
      expect(start + 3 * speed).toBeLessThanOrEqual(15);
      seen.add(`${start}/${speed}`);
    }
    // Every (start, speed) pair that fits shows up: 13 + 10 + 4 = 27.
    expect(seen.size).toBe(27);
    // Speeds that do not fit are never drawn; a view that cannot fit at all is a ShapeError.
    for (let i = 0; i < 20; i++) expect(sampleViewTiming(8, 4, temporal, rng).speed).toBeLessThanOrEqual(2);
    expect(() => sampleViewTiming(3, 4, temporal, rng)).toThrow(ShapeError);
    // In the views themselves, channel 0 of frame f reads (start + f * speed) / 100.
    const views = makeViews(
      timeCoded(16, 8, 8),
      augmentPolicy('strong', 8),
      { frames: 4, size: 8, count: 6 },
      9,
    );
    const clipPlain = timeCoded(16, 8, 8);
    const plain = makeViews(
      clipPlain,
      { ...augmentPolicy('none', 8), temporal },
      { frames: 4, size: 8, count: 6 },
      9,
    );
    for (const v of plain) {
      const t = [0, 1, 2, 3].map((f) => Math.round(v.data[f * 8 * 8 * 3] * 100));
      const speed = t[1] - t[0];
      expect([1, 2, 4]).toContain(speed);
      expect(t).toEqual([t[0], t[0] + speed, t[0] + 2 * speed, t[0] + 3 * speed]);
    }
    expect(views).toHaveLength(6);
  });

  it('a view is consistent across its frames: identical source frames give identical view frames', () => {
    const one = timeCoded(1, 20, 20);
    const data = new Float32Array(8 * one.data.length);
    for (let f = 0; f < 8; f++) data.set(one.data, f * one.data.length);
    const still: Clip = { data, shape: [8, 20, 20, 3] };
    const per = 12 * 12 * 3;
    const views = makeViews(still, augmentPolicy('strong', 12), { frames: 4, size: 12, count: 5 }, 11);
    for (const v of views)
      for (let f = 1; f < 4; f++)
        expect(Array.from(v.data.subarray(f * per, (f + 1) * per))).toEqual(
          Array.from(v.data.subarray(0, per)),
        );
    // ... while the views differ from each other (the draws differ per view).
    expect(Array.from(views[0].data)).not.toEqual(Array.from(views[1].data));
  });

  it('same seed, same views; another seed, other views', () => {
    const clip = timeCoded(12, 16, 16);
    const policy = augmentPolicy('standard', 8);
    const a = makeViews(clip, policy, { frames: 4, size: 8, count: 2 }, 7);
    const b = makeViews(clip, policy, { frames: 4, size: 8, count: 2 }, 7);
    const c = makeViews(clip, policy, { frames: 4, size: 8, count: 2 }, 8);
    expect(Array.from(a[1].data)).toEqual(Array.from(b[1].data));
    expect(Array.from(a[1].data)).not.toEqual(Array.from(c[1].data));
  });

  it('stackViews lays out views view-major within a clip', () => {
    const v = (x: number): Clip => ({ data: new Float32Array(2 * 1 * 1 * 3).fill(x), shape: [2, 1, 1, 3] });
    const out = stackViews([
      [v(0), v(1), v(2)],
      [v(10), v(11), v(12)],
    ]);
    expect(out.shape).toEqual([6, 2, 1, 1, 3]);
    expect([0, 1, 2, 3, 4, 5].map((r) => out.data[r * 6])).toEqual([0, 1, 2, 10, 11, 12]);
    expect(() => stackViews([[v(0), v(1)], [v(2)]])).toThrow(ShapeError);
  });
});

describe('policyPreview', () => {
  it('draws one row per policy and one strip per view, as a PNG', () => {
    const clip = timeCoded(8, 16, 16);
    const bytes = policyPreview(clip, { views: 2, frames: 3, size: 8, zoom: 1, seed: 1 });
    const png = PNG.sync.read(Buffer.from(bytes));
    // width = views * (frames * (size + 2) + 4) * zoom, height = policies * (size + 2) * zoom
    expect([png.width, png.height]).toEqual([2 * (3 * 10 + 4), 4 * 10]);
    // The 'none' row's first view, frame 0, pixel (0, 0): red = start 2 / 100 (8 - 3 = 5 -> start 2).
    expect(png.data[0]).toBe(Math.round(255 * 0.02));
    // Rows differ: the 'strong' row is not the 'none' row.
    const row = (r: number) =>
      Array.from(png.data.subarray(r * 10 * png.width * 4, (r * 10 + 8) * png.width * 4));
    expect(row(3)).not.toEqual(row(0));
    expect(() => policyPreview(clip, { policies: ['bogus'] })).toThrow(ConfigError);
    expect(() => policyPreview(clip, { views: 0 })).toThrow(ConfigError);
  });
});
