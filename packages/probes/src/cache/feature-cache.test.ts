import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FeatureCacheError, ProbeError } from '../errors';
import { FeatureCache, hashEncoderFile } from './feature-cache';
import { pickRows } from './feature-rows';

const dir = mkdtempSync(join(tmpdir(), 'vfm-probes-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Deterministic "features": row r, token n, dim d -> r * 100 + n * 10 + d. */
function rowsFrom(start: number, count: number) {
  const data = new Float32Array(count * 3 * 4);
  for (let r = 0; r < count; r++)
    for (let n = 0; n < 3; n++)
      for (let d = 0; d < 4; d++) data[(r * 3 + n) * 4 + d] = (start + r) * 100 + n * 10 + d;
  const label = Float32Array.from({ length: count }, (_, r) => start + r);
  return { features: { data, shape: [count, 3, 4] }, label: { data: label, shape: [count] } };
}

describe('FeatureCache', () => {
  it('hashes encoder files by content', async () => {
    const a = join(dir, 'a.onnx');
    const b = join(dir, 'b.onnx');
    writeFileSync(a, 'weights-1');
    writeFileSync(b, 'weights-1');
    expect(await hashEncoderFile(a)).toBe(await hashEncoderFile(b));
    writeFileSync(b, 'weights-2');
    expect(await hashEncoderFile(a)).not.toBe(await hashEncoderFile(b));
    expect(await hashEncoderFile(a)).toMatch(/^[0-9a-f]{16}$/);
    await expect(hashEncoderFile(join(dir, 'missing.onnx'))).rejects.toThrow(FeatureCacheError);
  });

  it('computes once, then reads every row back from shards', async () => {
    const cache = new FeatureCache(join(dir, 'c1'));
    const key = { encoderHash: 'abcdef0123456789', dataKey: 'synth4d:depth:val / frames=16' };
    const calls: [number, number][] = [];
    const compute = (start: number, count: number) => {
      calls.push([start, count]);
      return rowsFrom(start, count);
    };
    expect(await cache.has(key)).toBe(false);
    const first = await cache.getOrCompute(key, 10, 4, compute);
    expect(calls).toEqual([
      [0, 4],
      [4, 4],
      [8, 2],
    ]);
    expect(first.computedShards).toBe(3);
    expect(first.arrays.features.shape).toEqual([10, 3, 4]);
    expect(first.arrays.features.data).toEqual(rowsFrom(0, 10).features.data);
    expect(await cache.has(key)).toBe(true);
    const again = await cache.getOrCompute(key, 10, 4, compute);
    expect(again.computedShards).toBe(0);
    expect(calls).toHaveLength(3);
    const read = await cache.read(key);
    expect(read.label.data).toEqual(Float32Array.from({ length: 10 }, (_, i) => i));
  });

  it('fills without reading back, then reads any rows from the shards on disk', async () => {
    const cache = new FeatureCache(join(dir, 'c5'));
    const key = { encoderHash: '7777777777777777', dataKey: 'rows' };
    await expect(cache.open(key)).rejects.toThrow(/no cached features/);
    expect((await cache.fill(key, 10, 4, rowsFrom)).computedShards).toBe(3);
    expect((await cache.fill(key, 10, 4, rowsFrom)).computedShards).toBe(0);
    const { features, label } = await cache.open(key);
    expect(features.shape).toEqual([10, 3, 4]);
    // any order, repeats, runs that cross a shard boundary (rows 3-5 span shards 0 and 1)
    const idx = [9, 3, 4, 5, 0, 0, 8, 1];
    const all = rowsFrom(0, 10).features.data;
    const expected = idx.flatMap((r) => Array.from(all.subarray(r * 12, (r + 1) * 12)));
    expect(Array.from(features.read(idx))).toEqual(expected);
    expect(Array.from(label.read([7, 2]))).toEqual([7, 2]);
    // one task's rows of a shared set
    const picked = pickRows(features, [6, 2]);
    expect(picked.shape).toEqual([2, 3, 4]);
    expect(Array.from(picked.read([1, 0]))).toEqual([...all.subarray(24, 36), ...all.subarray(72, 84)]);
    expect(() => features.read([10])).toThrow(ProbeError);
    expect(() => picked.read([2])).toThrow(ProbeError);
    expect(() => pickRows(features, [-1])).toThrow(ProbeError);
    // a shard deleted after open fails the read that needs it, naming it
    unlinkSync(join(cache.folder(key), 'shard-00002.safetensors'));
    expect(Array.from(label.read([0, 7]))).toEqual([0, 7]);
    expect(() => label.read([8])).toThrow(/shard-00002\.safetensors is corrupt/);
    // fill computes the missing shard again
    const again: number[] = [];
    const refill = await cache.fill(key, 10, 4, (start, n) => {
      again.push(start);
      return rowsFrom(start, n);
    });
    expect([refill.computedShards, again]).toEqual([1, [8]]);
    expect(Array.from((await cache.open(key)).label.read([8, 9]))).toEqual([8, 9]);
  });

  it('keeps encoders and data keys apart and resumes a partial extraction', async () => {
    const cache = new FeatureCache(join(dir, 'c2'));
    const k1 = { encoderHash: '1111111111111111', dataKey: 'd' };
    const k2 = { encoderHash: '2222222222222222', dataKey: 'd' };
    await cache.getOrCompute(k1, 6, 3, rowsFrom);
    await expect(cache.read(k2)).rejects.toThrow(/no cached features/);
    // simulate an interrupted run: the manifest and one shard are gone
    unlinkSync(join(cache.folder(k1), 'manifest.json'));
    unlinkSync(join(cache.folder(k1), 'shard-00001.safetensors'));
    const calls: number[] = [];
    const r = await cache.getOrCompute(k1, 6, 3, (s, n) => {
      calls.push(s);
      return rowsFrom(s, n);
    });
    expect(calls).toEqual([3]);
    expect(r.arrays.features.data).toEqual(rowsFrom(0, 6).features.data);
  });

  it('rejects mismatched requests, bad keys and bad compute output', async () => {
    const cache = new FeatureCache(join(dir, 'c3'));
    const key = { encoderHash: '3333333333333333', dataKey: 'x' };
    await cache.getOrCompute(key, 4, 2, rowsFrom);
    await expect(cache.getOrCompute(key, 5, 2, rowsFrom)).rejects.toThrow(/holds 4 rows/);
    expect(() => cache.folder({ encoderHash: '../etc', dataKey: 'x' })).toThrow(FeatureCacheError);
    const bad = { encoderHash: '4444444444444444', dataKey: 'x' };
    await expect(
      cache.getOrCompute(bad, 4, 2, (_s, n) => ({ f: { data: new Float32Array(3), shape: [n, 2] } })),
    ).rejects.toThrow(FeatureCacheError);
  });

  it('only an absent file is a miss: a corrupt manifest or shard raises a typed error naming it', async () => {
    const cache = new FeatureCache(join(dir, 'c4'));
    const key = { encoderHash: '5555555555555555', dataKey: 'corrupt' };
    await cache.getOrCompute(key, 4, 2, rowsFrom);
    const expectCorrupt = async (p: Promise<unknown>, file: string, folder = cache.folder(key)) => {
      const err = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(FeatureCacheError);
      expect((err as FeatureCacheError).details).toMatchObject({
        path: join(folder, file),
        corrupt: true,
        folder,
      });
      expect((err as Error).message).toContain(`delete ${folder} to rebuild it`);
    };
    // a shard cut short (as a full disk or a crashed copy leaves it)
    const shard = join(cache.folder(key), 'shard-00001.safetensors');
    const bytes = readFileSync(shard);
    writeFileSync(shard, bytes.subarray(0, bytes.length - 5));
    await expectCorrupt(cache.read(key), 'shard-00001.safetensors');
    await expectCorrupt(
      cache.getOrCompute(key, 4, 2, () => {
        throw new Error('must not recompute over a corrupt entry silently');
      }),
      'shard-00001.safetensors',
    );
    // a manifest that is not JSON
    writeFileSync(join(cache.folder(key), 'manifest.json'), '{"encoderHash": "55');
    await expectCorrupt(cache.has(key), 'manifest.json');
    // a manifest that cannot be read at all (a folder in its place) is not a miss either
    const other = { encoderHash: '6666666666666666', dataKey: 'unreadable' };
    mkdirSync(join(cache.folder(other), 'manifest.json'), { recursive: true });
    await expectCorrupt(cache.has(other), 'manifest.json', cache.folder(other));
  });
});
