import { ConfigError } from '@vfmkit/core';
import { describe, expect, it } from 'vitest';
import { parseSceneConfig } from './config';
import { SPLITS, splitSeed, TASK_PRESETS, TASKS, taskConfig, taskPreset } from './presets';
import { renderSample } from './sample';

describe('task presets and configs', () => {
  it('every task has a preset named synth4d/<task> that renders', () => {
    for (const t of TASKS) {
      expect(taskPreset(t).name).toBe(`synth4d/${t}`);
      expect(taskPreset(`synth4d/${t}`)).toBe(TASK_PRESETS[t]);
      const s = renderSample(taskConfig(t, { size: 8, frames: 4 }), 1);
      expect(s.rgb.length).toBe(4 * 8 * 8 * 3);
    }
  });

  it('applies difficulty knobs', () => {
    const c = taskConfig('tracking', { objects: 6, size: 48, frames: 12, speed: 2 });
    expect([c.minObjects, c.maxObjects, c.width, c.height, c.frames, c.speed]).toEqual([6, 6, 48, 48, 12, 2]);
    expect(renderSample(c, 3).scene.objects.length).toBe(6);
    expect(taskConfig('actions').maxSegments).toBe(1);
  });

  it('split seeds are disjoint by construction', () => {
    const ranges = SPLITS.map((s) => [
      splitSeed(s, 0),
      splitSeed(s, s === 'train' ? 2 ** 30 - 1 : 2 ** 29 - 1),
    ]);
    for (let a = 0; a < ranges.length; a++)
      for (let b = a + 1; b < ranges.length; b++)
        expect(ranges[a][1] < ranges[b][0] || ranges[b][1] < ranges[a][0]).toBe(true);
    const seen = new Set<number>();
    for (const s of SPLITS) for (let i = 0; i < 1000; i++) seen.add(splitSeed(s, i));
    expect(seen.size).toBe(3000);
    expect(() => splitSeed('val', 2 ** 29)).toThrow(ConfigError);
    expect(() => splitSeed('train', -1)).toThrow(ConfigError);
  });

  it('bad configs give a ConfigError naming the key', () => {
    const key = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).details.key;
      }
      throw new Error('no error thrown');
    };
    expect(key(() => parseSceneConfig({ width: 0 }))).toBe('width');
    expect(key(() => parseSceneConfig({ frames: -3 }))).toBe('frames');
    expect(key(() => parseSceneConfig({ queries: -1 }))).toBe('queries');
    expect(key(() => parseSceneConfig({ maxObjects: 9 }))).toBe('maxObjects');
    expect(key(() => parseSceneConfig({ minObjects: 5, maxObjects: 2 }))).toBe('minObjects');
    expect(key(() => parseSceneConfig({ motions: [] }))).toBe('motions');
    expect(key(() => parseSceneConfig({ bogus: 1 } as never))).toBe('bogus'); // an unknown key is named
    expect(key(() => taskConfig('juggling'))).toBe('task');
    expect(key(() => taskConfig('depth', { size: 0 }))).toBe('width');
    expect(
      (() => {
        try {
          taskConfig('juggling');
        } catch (e) {
          return (e as ConfigError).code;
        }
      })(),
    ).toBe('CONFIG');
  });
});
