import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, serializeSafetensors } from '@vfmkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { caption } from './annotations';
import { generateDataset, readDataset } from './dataset';
import { synth4dBatches } from './loader';
import { splitSeed, taskConfig } from './presets';
import { renderSample, sampleScene } from './sample';
import { packSamples, readShard } from './shards';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'synth4d-test-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const cfg = { width: 16, height: 16, frames: 4, queries: 8, flow: true };

describe('determinism and datasets', () => {
  it('the same seed gives byte-identical output; another seed differs', () => {
    const a = serializeSafetensors(packSamples([renderSample(cfg, 42)]));
    const b = serializeSafetensors(packSamples([renderSample(cfg, 42)]));
    const c = serializeSafetensors(packSamples([renderSample(cfg, 43)]));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
    expect(renderSample(cfg, 42).caption).toBe(renderSample(cfg, 42).caption);
  });

  it('sampleScene gives the scene renderSample renders, without rendering', () => {
    const config = taskConfig('actions', { size: 16, frames: 4 });
    const captions = new Set<string>();
    for (const seed of [1, 2, 3, splitSeed('val', 5)]) {
      const sample = renderSample(config, seed);
      expect(caption(sampleScene(config, seed))).toBe(sample.caption);
      expect(sampleScene(config, seed)).toEqual(sample.scene);
      captions.add(sample.caption);
    }
    expect(captions.size).toBe(4);
  });

  it('writes shards and an ordered index; 0 and 2 workers give identical bytes', async () => {
    const knobs = { size: 16, frames: 4, queries: 8 };
    const one = tmp();
    const two = tmp();
    const m1 = await generateDataset({
      task: 'tracking',
      count: 5,
      out: one,
      workers: 0,
      clipsPerShard: 2,
      knobs,
      split: 'val',
    });
    await generateDataset({
      task: 'tracking',
      count: 5,
      out: two,
      workers: 2,
      clipsPerShard: 2,
      knobs,
      split: 'val',
    });
    expect(m1.shards).toEqual([
      'shard-00000.safetensors',
      'shard-00001.safetensors',
      'shard-00002.safetensors',
    ]);
    expect(readdirSync(one).sort()).toEqual(readdirSync(two).sort());
    for (const f of readdirSync(one))
      expect(readFileSync(join(one, f)).equals(readFileSync(join(two, f)))).toBe(true);
    const { manifest, index } = await readDataset(one);
    expect(manifest.task).toBe('synth4d/tracking');
    expect(index.map((e) => e.clip)).toEqual([0, 1, 2, 3, 4]);
    expect(index.map((e) => e.seed)).toEqual([0, 1, 2, 3, 4].map((i) => splitSeed('val', i)));
    const shard = await readShard(join(one, index[3].shard));
    expect(shard.clips).toBe(2);
    expect(shard.tensors.get('tracks')?.shape).toEqual([2, 8, 4, 2]);
    expect(shard.tensors.get('boxes')?.shape).toEqual([2, 4, 8, 4]);
    // The shard holds exactly the clip that renderSample gives for that seed.
    const again = renderSample(taskConfig('tracking', knobs), index[3].seed);
    const depth = shard.tensors.get('depth')!.data as Float32Array;
    expect(
      Buffer.from(depth.subarray(16 * 16 * 4, 2 * 16 * 16 * 4).slice().buffer).equals(
        Buffer.from(again.depth.buffer),
      ),
    ).toBe(true);
    expect(index[3].caption).toBe(again.caption);
  });

  it('on-the-fly batches match the stored clips, also from worker threads', async () => {
    const knobs = { size: 16, frames: 4 };
    const seen: number[] = [];
    for await (const batch of synth4dBatches({ task: 'depth', batchSize: 2, count: 3, workers: 1, knobs })) {
      expect(batch.clips.shape[0]).toBe(batch.indices.length);
      seen.push(...batch.indices);
      const direct = renderSample(taskConfig('depth', knobs), splitSeed('train', batch.indices[0]));
      expect(Buffer.from(batch.samples[0].rgb.buffer).equals(Buffer.from(direct.rgb.buffer))).toBe(true);
      expect(Array.from(batch.clips.data.subarray(0, direct.rgb.length))).toEqual(Array.from(direct.rgb));
    }
    expect(seen).toEqual([0, 1, 2]);
  });

  it('rejects bad dataset options with ConfigError', async () => {
    await expect(generateDataset({ task: 'depth', count: -1, out: tmp() })).rejects.toBeInstanceOf(
      ConfigError,
    );
    await expect(generateDataset({ task: 'depth', count: 0, out: tmp() })).rejects.toBeInstanceOf(
      ConfigError,
    );
    await expect(generateDataset({ task: 'nope', count: 1, out: tmp() })).rejects.toBeInstanceOf(ConfigError);
    await expect(
      generateDataset({ task: 'depth', count: 1, out: tmp(), knobs: { size: 0 } }),
    ).rejects.toBeInstanceOf(ConfigError);
    const it = synth4dBatches({ task: 'depth', batchSize: 0 });
    await expect(it.next()).rejects.toBeInstanceOf(ConfigError);
  });
});
