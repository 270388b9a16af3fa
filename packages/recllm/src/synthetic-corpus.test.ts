import { COLOR_NAMES, caption, generateScene, SHAPES } from '@vfmkit/synth4d';
import { describe, expect, it } from 'vitest';
import { generateCorpus, lengthTag, renderSyntheticClip, SYNTHETIC_SCENE_CONFIG } from './synthetic-corpus';

describe('generateCorpus', () => {
  const items = generateCorpus({ count: 10_000, seed: 7 });

  it('draws 10,000 valid items with unique ids, channels, tags and durations', () => {
    expect(items).toHaveLength(10_000);
    expect(new Set(items.map((i) => i.id)).size).toBe(10_000);
    const channels = new Map<string, number>();
    for (const i of items) channels.set(i.channel, (channels.get(i.channel) ?? 0) + 1);
    expect(channels.size).toBeGreaterThan(100);
    expect(channels.size).toBeLessThanOrEqual(150);
    // Zipf-like: the biggest channel holds far more than the median one.
    const sizes = [...channels.values()].sort((a, b) => b - a);
    expect(sizes[0]).toBeGreaterThan(5 * sizes[Math.floor(sizes.length / 2)]);
    const durations = items.map((i) => i.durationS);
    expect(Math.min(...durations)).toBeGreaterThanOrEqual(5);
    expect(Math.max(...durations)).toBeLessThanOrEqual(1800);
    for (const b of ['short', 'medium', 'long'] as const)
      expect(items.filter((i) => i.tags.includes(b)).length).toBeGreaterThan(1000);
    expect(new Set(items.map((i) => i.description)).size).toBeGreaterThan(9000);
  });

  it('takes metadata from the synth4d scene of each item', () => {
    for (const item of items.slice(0, 200)) {
      const seed = item.media?.sceneSeed as number;
      const scene = generateScene(SYNTHETIC_SCENE_CONFIG, seed);
      expect(item.description.startsWith(caption(scene))).toBe(true);
      for (const o of scene.objects) {
        expect(item.tags).toContain(o.colorName);
        expect(item.tags).toContain(o.shape);
      }
      const colors = item.tags.filter((t) => COLOR_NAMES.includes(t));
      expect(colors.length).toBe(new Set(scene.objects.map((o) => o.colorName)).size);
      expect(item.tags.filter((t) => (SHAPES as readonly string[]).includes(t)).length).toBeGreaterThan(0);
      expect(item.tags).toContain(lengthTag(item.durationS));
      expect(item.title).toContain(scene.objects[0].colorName);
    }
  });

  it('renders the clip an item describes, deterministically', () => {
    const small = { width: 16, height: 16, frames: 4 };
    const clip = renderSyntheticClip(items[0], small);
    expect(clip.shape).toEqual([4, 16, 16, 3]);
    expect(clip.data.length).toBe(4 * 16 * 16 * 3);
    expect(clip.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(Array.from(renderSyntheticClip(items[0], small).data)).toEqual(Array.from(clip.data));
    expect(Array.from(renderSyntheticClip(items[1], small).data)).not.toEqual(Array.from(clip.data));
    expect(() => renderSyntheticClip({ ...items[0], media: undefined })).toThrow(/no media.sceneSeed/);
  });

  it('is deterministic in its seed', () => {
    expect(generateCorpus({ count: 50, seed: 7 })).toEqual(items.slice(0, 50));
    expect(generateCorpus({ count: 50, seed: 8 })[0]).not.toEqual(items[0]);
    expect(() => generateCorpus({ count: 0 })).toThrow(/count must be an integer/);
  });
});
