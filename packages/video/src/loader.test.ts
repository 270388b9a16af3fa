import { join } from 'node:path';
import { ConfigError, ShapeError } from '@vfmkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegChildren, indexColor, tempDir, writeIndexVideo, writeText } from '../test/fixtures';
import { liveFfmpegPids } from './internal/child';
import { type VideoBatch, VideoLoader } from './loader';
import { type Manifest, manifestFromEntries } from './manifest';
import { compose } from './transforms/transform';

const { dir, cleanup } = tempDir('loader');
let good: Manifest;
let withBad: Manifest;

beforeAll(() => {
  const rows = [];
  for (let i = 0; i < 7; i++) {
    writeIndexVideo(join(dir, `v${i}.mp4`), 16 + 2 * i, 32, 24);
    rows.push({ path: `v${i}.mp4`, label: ['a', 'b', 'c'][i % 3], split: i < 6 ? 'train' : 'val' });
  }
  good = manifestFromEntries(dir, rows);
  writeText(join(dir, 'text.mp4'), 'not a video');
  writeIndexVideo(join(dir, 'big.mp4'), 16, 40, 30);
  withBad = manifestFromEntries(dir, [
    ...rows.slice(0, 3),
    { path: 'text.mp4', label: 'a' },
    { path: 'missing.mp4', label: 'b' },
    { path: 'v4.mp4', label: 'zebra' },
    ...rows.slice(3, 5),
  ]);
});
afterAll(cleanup);

async function collect(loader: VideoLoader, epoch: number): Promise<VideoBatch[]> {
  const out: VideoBatch[] = [];
  for await (const b of loader.epoch(epoch)) out.push(b);
  return out;
}

const base = { batchSize: 4, frames: 4, stride: 2, seed: 7 };
const aug = () => compose([{ type: 'randomCrop', height: 16, width: 16 }, { type: 'horizontalFlip' }]);

describe('VideoLoader', () => {
  it('yields [B, T, H, W, 3] batches with the right frames and labels', async () => {
    const loader = new VideoLoader({ ...base, manifest: good, split: 'train' });
    expect(loader.classes).toEqual(['a', 'b', 'c']);
    const batches = await collect(loader, 0);
    expect(batches.map((b) => b.shape)).toEqual([
      [4, 4, 24, 32, 3],
      [2, 4, 24, 32, 3],
    ]);
    const seen = batches.flatMap((b) => b.entries.map((e) => e.path)).sort();
    expect(seen).toEqual(['v0.mp4', 'v1.mp4', 'v2.mp4', 'v3.mp4', 'v4.mp4', 'v5.mp4']);
    for (const b of batches) {
      b.entries.forEach((e, i) => {
        expect(b.labels[i]).toBe(['a', 'b', 'c'].indexOf(e.label as string));
        expect(b.targets[i * 3 + b.labels[i]]).toBe(1);
        const frames = b.frames[i];
        expect(frames[1] - frames[0]).toBe(2);
        for (let t = 0; t < 4; t++) {
          const off = (i * 4 + t) * 24 * 32 * 3;
          const want = indexColor(frames[t]);
          for (let c = 0; c < 3; c++)
            expect(Math.abs(b.data[off + c] * 255 - want[c])).toBeLessThanOrEqual(3);
        }
      });
    }
  });

  it('is deterministic for a seed, whatever the concurrency and prefetch; epochs differ', async () => {
    const a = await collect(
      new VideoLoader({ ...base, manifest: good, transform: aug(), concurrency: 1, prefetch: 0 }),
      3,
    );
    const b = await collect(
      new VideoLoader({ ...base, manifest: good, transform: aug(), concurrency: 3, prefetch: 2 }),
      3,
    );
    expect(a.map((x) => x.entries.map((e) => e.path))).toEqual(b.map((x) => x.entries.map((e) => e.path)));
    expect(a.map((x) => x.frames.map((f) => Array.from(f)))).toEqual(
      b.map((x) => x.frames.map((f) => Array.from(f))),
    );
    a.forEach((x, i) => {
      expect(Buffer.from(x.data.buffer).equals(Buffer.from(b[i].data.buffer))).toBe(true);
    });
    expect(a[0].shape).toEqual([4, 4, 16, 16, 3]);
    const other = await collect(new VideoLoader({ ...base, manifest: good, transform: aug() }), 4);
    expect(other.map((x) => x.entries.map((e) => e.path))).not.toEqual(
      a.map((x) => x.entries.map((e) => e.path)),
    );
  });

  it('skip policy: drops unreadable files and bad labels, reporting each with its reason', async () => {
    const loader = new VideoLoader({ ...base, manifest: withBad, classes: ['a', 'b', 'c'], onError: 'skip' });
    const batches = await collect(loader, 0);
    expect(batches.map((b) => b.shape[0])).toEqual([4, 1]);
    const report = [...loader.skipped].sort((x, y) => x.path.localeCompare(y.path));
    expect(report.map((r) => [r.path, r.code, r.reason])).toEqual([
      [join(dir, 'missing.mp4'), 'VIDEO_DECODE', 'not-found'],
      [join(dir, 'text.mp4'), 'VIDEO_DECODE', 'invalid-data'],
      [join(dir, 'v4.mp4'), 'VIDEO_MANIFEST', 'label'],
    ]);
    expect(liveFfmpegPids()).toEqual([]);
  });

  it('fail policy: throws the typed error naming the file, and reaps every child', async () => {
    const loader = new VideoLoader({
      ...base,
      manifest: withBad,
      classes: ['a', 'b', 'c'],
      shuffle: false,
      concurrency: 3,
    });
    await expect(collect(loader, 0)).rejects.toMatchObject({
      code: 'VIDEO_DECODE',
      details: { path: join(dir, 'text.mp4') },
    });
    expect(liveFfmpegPids()).toEqual([]);
    expect(ffmpegChildren()).toEqual([]);
  });

  it('breaking out early aborts pending decodes and leaves no process', async () => {
    const loader = new VideoLoader({ ...base, batchSize: 1, manifest: good, prefetch: 4, concurrency: 2 });
    for await (const _ of loader.epoch(0)) break;
    expect(liveFfmpegPids()).toEqual([]);
    expect(ffmpegChildren()).toEqual([]);
  });

  it('multi-label targets and uniform sampling', async () => {
    const m = manifestFromEntries(dir, [{ path: 'v0.mp4', labels: ['b', 'c'] }]);
    const [batch] = await collect(
      new VideoLoader({ ...base, manifest: m, sampling: 'uniform', frames: 4 }),
      0,
    );
    expect(Array.from(batch.targets)).toEqual([1, 1]);
    expect(Array.from(batch.labels)).toEqual([-1]);
    expect(Array.from(batch.frames[0])).toEqual([2, 6, 10, 14]);
  });

  it('resamples with fps: indices stay inside the video', async () => {
    const m = manifestFromEntries(dir, [{ path: 'v0.mp4', label: 'a' }]);
    // v0: 16 frames at 25 fps; at 10 fps the last index is floor(15 * 10 / 25) = 6
    const [batch] = await collect(
      new VideoLoader({ ...base, manifest: m, fps: 10, sampling: 'uniform', frames: 7 }),
      0,
    );
    expect(Array.from(batch.frames[0])).toEqual([0, 2, 5, 7, 10, 12, 15]);
  });

  it('rejects bad options and clips of different sizes', async () => {
    expect(() => new VideoLoader({ ...base, manifest: good, batchSize: 0 })).toThrow(ConfigError);
    const loader = new VideoLoader({
      ...base,
      manifest: good,
      transform: compose([{ type: 'randomResizedCrop', height: 8, width: 8 }]),
    });
    expect((await collect(loader, 0))[0].shape).toEqual([4, 4, 8, 8, 3]);
    const mixed = manifestFromEntries(dir, [{ path: 'v0.mp4' }, { path: 'big.mp4' }]);
    await expect(collect(new VideoLoader({ ...base, manifest: mixed, shuffle: false }), 0)).rejects.toThrow(
      ShapeError,
    );
    expect(ffmpegChildren()).toEqual([]);
  });
});
