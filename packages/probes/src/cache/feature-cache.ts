import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readSafetensors, sizeOf, type Tensor, writeFileAtomic, writeSafetensors } from '@vfmkit/core';
import { FeatureCacheError } from '../errors';

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
   * Returns the features of `key`, computing and writing the missing shards first.
   * @param rows total rows; @param shardRows rows per shard (also the batch handed to `compute`).
   * @returns each array concatenated over all rows, `[rows, ...]`, and how many shards were computed now.
   */
  async getOrCompute(
    key: FeatureCacheKey,
    rows: number,
    shardRows: number,
    compute: ComputeRows,
  ): Promise<{ arrays: FeatureArrays; computedShards: number }> {
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
    const arrays = await this.readShards(key, rows, shardRows);
    const layout = Object.fromEntries(
      Object.entries(arrays).map(([k, a]) => [k, a.shape.slice(1) as number[]]),
    );
    if (!existing) {
      const manifest: Manifest = {
        encoderHash: key.encoderHash,
        dataKey: key.dataKey,
        rows,
        shardRows,
        arrays: layout,
      };
      await writeFileAtomic(join(this.folder(key), 'manifest.json'), [
        new TextEncoder().encode(JSON.stringify(manifest, null, 2)),
      ]);
    }
    return { arrays, computedShards: computed };
  }

  /**
   * Reads a complete cached feature set.
   * @throws FeatureCacheError when `key` is not (completely) cached or a shard does not match it.
   */
  async read(key: FeatureCacheKey): Promise<FeatureArrays> {
    const m = await this.manifest(key);
    if (!m) throw new FeatureCacheError(`no cached features for "${key.dataKey}"`, { key: key.dataKey });
    return this.readShards(key, m.rows, m.shardRows);
  }

  private async readShards(key: FeatureCacheKey, rows: number, shardRows: number): Promise<FeatureArrays> {
    const shards = Math.ceil(rows / shardRows);
    const out: FeatureArrays = {};
    for (let i = 0; i < shards; i++) {
      const path = this.shardPath(key, i);
      let file: Awaited<ReturnType<typeof readSafetensors>>;
      try {
        file = await readSafetensors(path);
      } catch (cause) {
        throw corrupt(path, key, cause);
      }
      const md = file.metadata;
      if (
        md.encoderHash !== key.encoderHash ||
        md.dataKey !== key.dataKey ||
        Number(md.start) !== i * shardRows
      )
        throw new FeatureCacheError(
          `shard ${path} does not belong to "${key.dataKey}" at row ${i * shardRows}`,
          {
            path,
            key: key.dataKey,
          },
        );
      for (const [name, t] of file.tensors) {
        if (!out[name]) {
          if (i !== 0)
            throw new FeatureCacheError(`shard ${path} adds array "${name}"`, { path, key: key.dataKey });
          out[name] = {
            data: new Float32Array(rows * sizeOf(t.shape.slice(1))),
            shape: [rows, ...t.shape.slice(1)],
          };
        }
        const target = out[name];
        const per = sizeOf(target.shape.slice(1));
        if (sizeOf(t.shape.slice(1)) !== per || t.dtype !== 'F32')
          throw new FeatureCacheError(
            `shard ${path}: "${name}" has shape [${t.shape.join(', ')}] (${t.dtype})`,
            {
              path,
              key: key.dataKey,
            },
          );
        target.data.set(t.data as Float32Array, i * shardRows * per);
      }
    }
    return out;
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
