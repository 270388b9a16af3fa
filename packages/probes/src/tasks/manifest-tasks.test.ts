import { ConfigError } from '@vfmkit/core';
import { describe, expect, it } from 'vitest';
import {
  hasManifestTask,
  labelsOnClip,
  MANIFEST_TASKS,
  type ManifestLabels,
  manifestTask,
} from './manifest-tasks';

const vocabulary = ['a', 'run'];
const classOf = (l: string | number) => vocabulary.indexOf(String(l));

describe('labelsOnClip (hand-worked)', () => {
  it('maps seconds onto the clip frames and labels onto class ids', () => {
    // frames 0, 5, 10, 15 at 10 fps show t = 0, 0.5, 1.0, 1.5 s; spacing 0.5 s
    const entry = {
      label: 'run',
      labels: ['a', 'run'],
      segments: [
        { start: 0.4, end: 1.2, label: 'a' }, // frames at 0.5 and 1.0 -> [1, 3)
        { start: 2, end: 3, label: 'run' }, // no clip frame inside: dropped
      ],
      boxes: [
        { time: 0.9, box: [0.1, 0.2, 0.3, 0.4] as const, labels: ['run'] }, // nearest 1.0 (frame 2)
        { time: 2.1, box: [0, 0, 1, 1] as const, labels: ['a'] }, // nearest 1.5 is 0.6 s away > 0.5: dropped
      ],
    };
    expect(labelsOnClip(entry, [0, 5, 10, 15], 10, classOf)).toEqual({
      label: 1,
      labels: [0, 1],
      segments: [{ start: 1, end: 3, label: 0 }],
      boxes: [{ frame: 2, box: [0.1, 0.2, 0.3, 0.4], labels: [1] }],
    });
    // no label: -1; one frame: a box within one source frame (0.1 s) of it is kept
    expect(
      labelsOnClip({ boxes: [{ time: 0.35, box: [0, 0, 1, 1], labels: ['a'] }] }, [3], 10, classOf),
    ).toEqual({ label: -1, labels: [], segments: [], boxes: [{ frame: 0, box: [0, 0, 1, 1], labels: [0] }] });
    expect(() => labelsOnClip({}, [], 10, classOf)).toThrow(ConfigError);
    expect(() => labelsOnClip({}, [2, 1], 10, classOf)).toThrow(/non-decreasing/);
    expect(() => labelsOnClip({}, [0], 0, classOf)).toThrow(/fps/);
  });
});

describe('manifestTask', () => {
  it('builds the four tasks, named by dataset, and says which entries feed them', () => {
    const names = Object.keys(MANIFEST_TASKS).map(
      (t) =>
        manifestTask<ManifestLabels>(t as keyof typeof MANIFEST_TASKS, { dataset: 'clips', classes: 2 }).name,
    );
    expect(names).toEqual([
      'clips/classification',
      'clips/multilabel',
      'clips/temporal',
      'clips/spatiotemporal',
    ]);
    const cls = manifestTask<ManifestLabels>('classification', { dataset: 'clips', classes: 2 });
    expect(cls.headline).toBe('top1');
    const clip: ManifestLabels = { label: 1, labels: [], segments: [], boxes: [] };
    expect(cls.targetsFrom([clip, { ...clip, label: 0 }], undefined as never).targets).toEqual({
      data: Int32Array.from([1, 0]),
      shape: [2, 1],
    });
    expect(hasManifestTask('classification', { label: 'a' })).toBe(true);
    expect(hasManifestTask('multilabel', { labels: [] })).toBe(true);
    expect(hasManifestTask('multilabel', { label: 'a' })).toBe(false);
    expect(hasManifestTask('temporal', { segments: [{ start: 0, end: 1, label: 'a' }] })).toBe(true);
    expect(hasManifestTask('spatiotemporal', { label: 'a' })).toBe(false);
    expect(() => manifestTask('classification', { dataset: 'x', classes: 0 })).toThrow(ConfigError);
    expect(() => manifestTask('captions' as never, { dataset: 'x', classes: 2 })).toThrow(
      /unknown manifest task/,
    );
  });
});
