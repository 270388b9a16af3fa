import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SafetensorsReader, sizeOf, type Tensor, writeFileAtomic, writeSafetensors } from '@vfmkit/core';
import { FeatureCacheError } from '../errors';
import { checkRows, type FeatureRows } from './feature-rows';

/** Names a cached feature set: which encoder made it, over which data. */
export interface FeatureCacheKey {
  /** Content hash of the encoder (see {@link hashEncoderFile}); a changed checkpoint never hits old features. */
  readonly encoderHash: string;
  /** The data and extraction settings, e.g. `synth4d:depth-small:val:frames16:layer-9`. */
  readonly dataKey: string;
}

/** Named float32 arrays whose first dimension is the row (clip). */
export type FeatureArrays = Record<string, { data: Float32Array; shape: readonly number[] }>;

/** Computes rows `[start, start + count)`: each array `[count, ...]`. */
export type ComputeRows = (start: number, count: number) => Promise<FeatureArrays> | FeatureArrays;

interface Manifest {
  encoderHash: string;
  dataKey: string;
  rows: number;
  shardRows: number;
  arrays: Record<string, number[]>;
}

/**
 * SHA-256 of an encoder file (ONNX model or safetensors checkpoint), streamed; the first 16 hex digits.
 * @throws FeatureCacheError when the file cannot be read.
 */
export async function hashEncoderFile(path: string): Promise<string> {
  const h = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  } catch (cause) {
    throw new FeatureCacheError(
      `cannot hash encoder ${path}: ${(cause as Error).message}`,
      { path },
      { cause },
    );
  }
  return h.digest('hex').slice(0, 16);
}

/** A filesystem-safe folder name for a data key: readable prefix plus a short hash (keys may hold any text). */
function slug(key: string): string {
  const readable = key.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
  return `${readable}-${createHash('sha256').update(key).digest('hex').slice(0, 10)}`;
}

/**
 * Frozen features on disk: one folder per (encoder hash, data key) holding safetensors shards of
 * `shardRows` rows each plus a `manifest.json` written last. Shards carry the key in their metadata and
 * are checked against it on read; an interrupted extraction resumes at the first missing shard.
 *
 * @example
 * const cache = new FeatureCache('runs/features');
 * const key = { encoderHash: await hashEncoderFile('runs/x/encoder.onnx'), dataKey: 'synth4d:depth:val' };
 * const { features } = await cache.getOrCompute(key, 512, 64, (start, n) => embed(clips.slice(start, start + n)));
 */
export class FeatureCache {
  constructor(readonly dir: string) {}

  /** The folder of one key. */
  folder(key: FeatureCacheKey): string {
    if (!/^[0-9a-f]{8,64}$/.test(key.encoderHash))
      throw new FeatureCacheError(`encoderHash must be 8-64 lowercase hex digits, got "${key.encoderHash}"`, {
        key: key.dataKey,
      });
    return join(this.dir, key.encoderHash, slug(key.dataKey));
  }

  private shardPath(key: FeatureCacheKey, i: number): string {
    return join(this.folder(key), `shard-${String(i).padStart(5, '0')}.safetensors`);
  }

  /** True when every shard of `key` was written (the manifest exists). */
  async has(key: FeatureCacheKey): Promise<boolean> {
    return (await this.manifest(key)) !== undefined;
  }

  /**
   * The manifest of `key`, or undefined when it is absent (ENOENT: the only miss). A manifest that
   * cannot be read or parsed is a corrupt entry: FeatureCacheError (`details.corrupt`).
   */
  private async manifest(key: FeatureCacheKey): Promise<Manifest | undefined> {
    const path = join(this.folder(key), 'manifest.json');
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (cause) {
      if (isAbsent(cause)) return undefined;
      throw corrupt(path, key, cause);
    }
    let m: Manifest;
    try {
      m = JSON.parse(text) as Manifest;
    } catch (cause) {
      throw corrupt(path, key, cause);
    }
    if (m.encoderHash !== key.encoderHash || m.dataKey !== key.dataKey)
      throw new FeatureCacheError(`cache manifest ${path} belongs to another key`, {
        path,
        key: key.dataKey,
      });
    return m;
  }

  /**
   * Returns the features of `key`, computing and writing the missing shards first, read back whole
   * into memory. {@link FeatureCache.fill} and {@link FeatureCache.open} do the same for features that
   * do not fit in memory.
   * @param rows total rows; @param shardRows rows per shard (also the batch handed to `compute`).
   * @returns each array concatenated over all rows, `[rows, ...]`, and how many shards were computed now.
   */
  async getOrCompute(
    key: FeatureCacheKey,
    rows: number,
    shardRows: number,
    compute: ComputeRows,
  ): Promise<{ arrays: FeatureArrays; computedShards: number }> {
    const { computedShards } = await this.fill(key, rows, shardRows, compute);
    return { arrays: await this.read(key), computedShards };
  }

  /**
   * Computes and writes the missing shards of `key` (one `compute` call per shard, each shard written
   * while the next is computed; a shard deleted from a complete entry is computed again), checks every
   * shard's header against the key, and writes the manifest. Nothing is read back: at most one computed
   * shard is held at a time.
   * @param rows total rows; @param shardRows rows per shard (also the batch handed to `compute`).
   * @returns how many shards were computed now (0 when all were cached).
   * @throws FeatureCacheError for bad sizes, a cache of other sizes, a `compute` result of the wrong
   *   shape, or a corrupt shard.
   */
  async fill(
    key: FeatureCacheKey,
    rows: number,
    shardRows: number,
    compute: ComputeRows,
  ): Promise<{ computedShards: number }> {
    if (!Number.isInteger(rows) || rows <= 0 || !Number.isInteger(shardRows) || shardRows <= 0)
      throw new FeatureCacheError(
        `rows and shardRows must be positive integers, got ${rows} and ${shardRows}`,
        {
          key: key.dataKey,
        },
      );
    const existing = await this.manifest(key);
    if (existing && (existing.rows !== rows || existing.shardRows !== shardRows))
      throw new FeatureCacheError(
        `cache for "${key.dataKey}" holds ${existing.rows} rows in shards of ${existing.shardRows}, asked for ${rows} in ${shardRows}`,
        { key: key.dataKey, rows, shardRows },
      );
    await mkdir(this.folder(key), { recursive: true });
    const shards = Math.ceil(rows / shardRows);
    let computed = 0;
    // Each shard is written (atomically, with its fsync) while the next one is computed.
    let writing: Promise<void> = Promise.resolve();
    for (let i = 0; i < shards; i++) {
      const path = this.shardPath(key, i);
      if (await exists(path)) continue;
      const start = i * shardRows;
      const count = Math.min(shardRows, rows - start);
      const arrays = await compute(start, count);
      const tensors: Record<string, Tensor> = {};
      for (const [name, a] of Object.entries(arrays)) {
        if (a.shape[0] !== count || a.data.length !== sizeOf(a.shape))
          throw new FeatureCacheError(
            `compute(${start}, ${count}) returned "${name}" of shape [${a.shape.join(', ')}] with ${a.data.length} values`,
            { key: key.dataKey, array: name },
          );
        tensors[name] = { dtype: 'F32', shape: [...a.shape], data: a.data };
      }
      await writing;
      writing = writeSafetensors(path, tensors, {
        encoderHash: key.encoderHash,
        dataKey: key.dataKey,
        start: String(start),
      });
      // A failed write surfaces at the next await; until then it must not be an unhandled rejection.
      writing.catch(() => {});
      computed++;
    }
    await writing;
    if (existing && computed === 0) return { computedShards: 0 };
    const layout = await this.shardLayout(key, rows, shardRows);
    const manifest: Manifest = {
      encoderHash: key.encoderHash,
      dataKey: key.dataKey,
      rows,
      shardRows,
      arrays: {},
    };
    for (const [name, a] of layout) manifest.arrays[name] = [...a.shape.slice(1)];
    await writeFileAtomic(join(this.folder(key), 'manifest.json'), [
      new TextEncoder().encode(JSON.stringify(manifest, null, 2)),
    ]);
    return { computedShards: computed };
  }

  /**
   * Reads a complete cached feature set into memory.
   * @throws FeatureCacheError when `key` is not (completely) cached or a shard does not match it.
   */
  async read(key: FeatureCacheKey): Promise<FeatureArrays> {
    const out: FeatureArrays = {};
    for (const [name, rows] of Object.entries(await this.open(key))) {
      out[name] = { data: rows.read(Array.from({ length: rows.shape[0] }, (_, i) => i)), shape: rows.shape };
    }
    return out;
  }

  /**
   * Opens a complete cached feature set for reads from disk: one {@link FeatureRows} per array, whose
   * `read(idx)` reads just those rows from the shards (synchronous file reads; nothing is held in
   * memory but the shards' layout). Heads train on these a minibatch at a time.
   * @throws FeatureCacheError when `key` is not (completely) cached or a shard does not match it; a
   *   shard that becomes unreadable later fails its `read`.
   */
  async open(key: FeatureCacheKey): Promise<Record<string, FeatureRows>> {
    const m = await this.manifest(key);
    if (!m) throw new FeatureCacheError(`no cached features for "${key.dataKey}"`, { key: key.dataKey });
    const layout = await this.shardLayout(key, m.rows, m.shardRows);
    const out: Record<string, FeatureRows> = {};
    for (const [name, a] of layout) out[name] = shardRows(name, a, m.shardRows, key);
    return out;
  }

  /** Reads every shard's header and checks it against the key, its rows and the first shard's arrays. */
  private async shardLayout(
    key: FeatureCacheKey,
    rows: number,
    shardRows: number,
  ): Promise<Map<string, ShardedArray>> {
    const shards = Math.ceil(rows / shardRows);
    const layout = new Map<string, ShardedArray>();
    for (let i = 0; i < shards; i++) {
      const path = this.shardPath(key, i);
      const start = i * shardRows;
      const count = Math.min(shardRows, rows - start);
      let reader: SafetensorsReader;
      try {
        reader = await SafetensorsReader.open(path);
      } catch (cause) {
        throw corrupt(path, key, cause);
      }
      try {
        const md = reader.metadata;
        if (md.encoderHash !== key.encoderHash || md.dataKey !== key.dataKey || Number(md.start) !== start)
          throw new FeatureCacheError(`shard ${path} does not belong to "${key.dataKey}" at row ${start}`, {
            path,
            key: key.dataKey,
          });
        const names = reader.names();
        for (const name of names) {
          const t = reader.info(name);
          let a = layout.get(name);
          if (!a) {
            if (i !== 0)
              throw new FeatureCacheError(`shard ${path} adds array "${name}"`, { path, key: key.dataKey });
            a = { shape: [rows, ...t.shape.slice(1)], shards: [] };
            layout.set(name, a);
          }
          if (
            t.dtype !== 'F32' ||
            t.shape[0] !== count ||
            sizeOf(t.shape.slice(1)) !== sizeOf(a.shape.slice(1))
          )
            throw new FeatureCacheError(
              `shard ${path}: "${name}" has shape [${t.shape.join(', ')}] (${t.dtype})`,
              {
                path,
                key: key.dataKey,
              },
            );
          a.shards.push({ path, begin: reader.fileRange(name)[0] });
        }
        if (names.length !== layout.size)
          throw new FeatureCacheError(`shard ${path} lacks an array of the first shard`, {
            path,
            key: key.dataKey,
          });
      } finally {
        await reader.close();
      }
    }
    return layout;
  }
}

/** One array of a cached feature set: its full shape and where each shard's rows start on disk. */
interface ShardedArray {
  shape: readonly number[];
  shards: { path: string; begin: number }[];
}

/** Rows of a sharded array read with positioned reads, each run of consecutive rows of a shard in one read. */
function shardRows(name: string, a: ShardedArray, rowsPerShard: number, key: FeatureCacheKey): FeatureRows {
  return {
    shape: a.shape,
    read(idx) {
      const per = checkRows(a.shape, idx);
      const rowBytes = per * 4;
      const out = new Float32Array(idx.length * per);
      const bytes = new Uint8Array(out.buffer);
      const fds = new Map<number, number>();
      try {
        for (let k = 0; k < idx.length; ) {
          const shard = Math.floor(idx[k] / rowsPerShard);
          let run = 1;
          while (
            k + run < idx.length &&
            idx[k + run] === idx[k] + run &&
            Math.floor(idx[k + run] / rowsPerShard) === shard
          )
            run++;
          const { path, begin } = a.shards[shard];
          let fd = fds.get(shard);
          if (fd === undefined) {
            fd = openShard(path, key);
            fds.set(shard, fd);
          }
          const length = run * rowBytes;
          const at = begin + (idx[k] - shard * rowsPerShard) * rowBytes;
          const got = readSync(fd, bytes, k * rowBytes, length, at);
          if (got !== length)
            throw new FeatureCacheError(
              `shard ${path}: short read of "${name}" (${got} of ${length} bytes)`,
              {
                path,
                key: key.dataKey,
              },
            );
          k += run;
        }
      } finally {
        for (const fd of fds.values()) closeSync(fd);
      }
      return out;
    },
  };
}

/** Opens a shard for reading; a shard that has gone is a corrupt entry. */
function openShard(path: string, key: FeatureCacheKey): number {
  try {
    return openSync(path, 'r');
  } catch (cause) {
    throw corrupt(path, key, cause);
  }
}

/** True for "no such file": the only error that makes a cache entry a miss. */
function isAbsent(cause: unknown): boolean {
  return (cause as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/** A cache file that exists but cannot be read back: named, with the folder to delete to rebuild it. */
function corrupt(path: string, key: FeatureCacheKey, cause: unknown): FeatureCacheError {
  const folder = dirname(path);
  return new FeatureCacheError(
    `feature cache entry ${path} is corrupt (${(cause as Error)?.message ?? String(cause)}); delete ${folder} to rebuild it`,
    { path, key: key.dataKey, corrupt: true, folder },
    { cause },
  );
}

/** True when `path` exists; false only when it is absent (any other error is raised). */
async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (cause) {
    if (isAbsent(cause)) return false;
    throw new FeatureCacheError(
      `cannot stat feature cache file ${path}: ${(cause as Error).message}`,
      { path },
      { cause },
    );
  }
}
