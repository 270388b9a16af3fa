import { setMaxListeners } from 'node:events';
import { ConfigError, Rng, ShapeError, VfmError } from '@vfmkit/core';
import { type DecodedClip, decodeClip } from './decode';
import { ManifestError } from './errors';
import type { FfmpegOptions } from './ffmpeg';
import { labelVocabulary, type Manifest, type ResolvedEntry } from './manifest';
import { DecodePool } from './pool';
import { probeVideo, type VideoInfo } from './probe';
import { randomClipIndices, temporalViews, uniformIndices } from './sampling';
import type { ClipTransform } from './transforms/transform';

/** Options of {@link VideoLoader}. */
export interface VideoLoaderOptions extends FfmpegOptions {
  /** The dataset. */
  manifest: Manifest;
  /** Keep only entries of this split. */
  split?: string;
  batchSize: number;
  /** Frames per clip (T). */
  frames: number;
  /** Frame stride for `random` and `center` sampling. Default 1. */
  stride?: number;
  /** `random` clip (training), `center` clip, or `uniform` frames over the whole video. Default `random`. */
  sampling?: 'random' | 'center' | 'uniform';
  /** Resample videos to this frame rate before sampling. */
  fps?: number;
  /** Resize in ffmpeg while decoding (cheap); `transform` runs after. */
  decodeSize?: { width: number; height: number };
  /** Seeded per-clip transform (e.g. `compose([...])`). Its output size must be the same for every clip. */
  transform?: ClipTransform;
  /** Seeds the shuffle, the samplers and the transforms. */
  seed: number;
  /** Shuffle the order each epoch. Default true. */
  shuffle?: boolean;
  /** Batches decoded ahead of the consumer. Default 2. */
  prefetch?: number;
  /** ffmpeg decodes at once. Default 2. */
  concurrency?: number;
  /** Unreadable file or bad row: `skip` (reported in `skipped`) or `fail` (throw). Default `fail`. */
  onError?: 'skip' | 'fail';
  /** Class names (index = id). Default: the sorted labels of the manifest. */
  classes?: readonly string[];
  /** Drop a last incomplete batch. Default false. */
  dropLast?: boolean;
}

/** One batch. */
export interface VideoBatch {
  /** `[B, T, H, W, 3]` float32. */
  readonly data: Float32Array;
  readonly shape: readonly [number, number, number, number, number];
  /** `[B]` class id of single-label entries, -1 where the entry has none. */
  readonly labels: Int32Array;
  /** `[B, K]` multi-hot targets over `classes` (one-hot for single labels). */
  readonly targets: Float32Array;
  /** The entries, `[B]`. */
  readonly entries: readonly ResolvedEntry[];
  /** Source frame indices of each clip, `[B][T]`. */
  readonly frames: readonly Int32Array[];
}

/** A file the loader skipped, and why. */
export interface SkipReport {
  readonly path: string;
  readonly line: number;
  readonly epoch: number;
  readonly code: string;
  readonly reason: string;
  readonly message: string;
}

interface Sample {
  entry: ResolvedEntry;
  clip: { data: Float32Array; shape: readonly number[] };
  frames: Int32Array;
}

/**
 * Async batches of clips from a manifest: seeded shuffling per epoch, clips decoded by a bounded pool of
 * ffmpeg processes, `prefetch` batches ahead. The same seed and epoch give the same batches whatever
 * the timing: every clip's randomness comes from its own stream, drawn from the epoch's seed.
 *
 * @example
 * const loader = new VideoLoader({ manifest, batchSize: 8, frames: 16, stride: 4, seed: 0,
 *   transform: compose([{ type: 'randomResizedCrop', height: 224, width: 224 }]) });
 * for await (const batch of loader.epoch(0)) train(batch.data, batch.labels);
 */
export class VideoLoader {
  readonly entries: readonly ResolvedEntry[];
  readonly classes: readonly string[];
  /** Files skipped so far (policy `skip`), each with its reason. */
  readonly skipped: SkipReport[] = [];
  private readonly pool: DecodePool;
  private readonly probes = new Map<string, Promise<VideoInfo>>();
  private readonly classIndex: Map<string, number>;

  constructor(private readonly options: VideoLoaderOptions) {
    for (const k of ['batchSize', 'frames'] as const) {
      const v = options[k];
      if (!Number.isInteger(v) || v < 1)
        throw new ConfigError(`${k} must be an integer >= 1, got ${v}`, { key: k, value: v });
    }
    const prefetch = options.prefetch ?? 2;
    if (!Number.isInteger(prefetch) || prefetch < 0)
      throw new ConfigError(`prefetch must be an integer >= 0, got ${prefetch}`, {
        key: 'prefetch',
        value: prefetch,
      });
    this.entries = options.manifest.entries.filter(
      (e) => options.split === undefined || e.split === options.split,
    );
    this.classes = options.classes ?? labelVocabulary(this.entries);
    this.classIndex = new Map(this.classes.map((c, i) => [c, i]));
    this.pool = new DecodePool(options.concurrency ?? 2);
  }

  /** Number of batches per epoch (before skips). */
  get batchesPerEpoch(): number {
    const n = this.entries.length / this.options.batchSize;
    return this.options.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  private probe(file: string, signal: AbortSignal): Promise<VideoInfo> {
    let p = this.probes.get(file);
    if (!p) {
      p = probeVideo(file, { ffmpegPath: this.options.ffmpegPath, signal });
      this.probes.set(file, p);
      p.catch(() => this.probes.delete(file));
    }
    return p;
  }

  private classOf(entry: ResolvedEntry, label: string | number): number {
    const id = this.classIndex.get(String(label));
    if (id === undefined)
      throw new ManifestError(
        `${entry.file}: label ${JSON.stringify(label)} is not one of the ${this.classes.length} classes`,
        {
          path: entry.file,
          line: entry.line,
          field: 'label',
          value: label,
        },
      );
    return id;
  }

  private async load(entry: ResolvedEntry, seed: number, signal: AbortSignal): Promise<Sample> {
    const o = this.options;
    if (entry.label !== undefined) this.classOf(entry, entry.label);
    for (const l of entry.labels ?? []) this.classOf(entry, l);
    const info = await this.probe(entry.file, signal);
    const rate = o.fps ?? info.fps;
    // In the resampled timeline, the last index must still map to a source frame (see resampleIndices).
    const total = o.fps ? Math.floor(((info.frameCount - 1) * o.fps) / info.fps + 1e-9) + 1 : info.frameCount;
    const first = entry.start !== undefined ? Math.min(total - 1, Math.ceil(entry.start * rate - 1e-6)) : 0;
    const end =
      entry.end !== undefined
        ? Math.min(total, Math.max(first + 1, Math.floor(entry.end * rate + 1e-6)))
        : total;
    const count = end - first;
    const rng = new Rng(seed);
    const stride = o.stride ?? 1;
    const sampling = o.sampling ?? 'random';
    const local =
      sampling === 'uniform'
        ? uniformIndices(count, o.frames)
        : sampling === 'center'
          ? temporalViews(count, o.frames, stride, 1)[0]
          : randomClipIndices(count, o.frames, stride, rng);
    const indices = local.map((i) => i + first);
    const decoded: DecodedClip = await decodeClip(entry.file, {
      indices,
      info,
      fps: o.fps,
      size: o.decodeSize,
      ffmpegPath: o.ffmpegPath,
      signal,
    });
    const clip = o.transform ? o.transform.apply({ data: decoded.data, shape: decoded.shape }, rng) : decoded;
    return { entry, clip, frames: decoded.frames };
  }

  /**
   * The batches of epoch `epoch`. Breaking out early aborts pending decodes and reaps their processes.
   * @throws the first error when `onError` is `fail`; `ShapeError` when clips differ in size.
   */
  async *epoch(epoch: number): AsyncGenerator<VideoBatch> {
    const o = this.options;
    const n = this.entries.length;
    const rng = new Rng((Math.imul(o.seed | 0, 0x9e3779b1) ^ Math.imul((epoch | 0) + 1, 0x85ebca6b)) >>> 0);
    const order = o.shuffle === false ? Int32Array.from({ length: n }, (_, i) => i) : rng.permutation(n);
    const seeds = Array.from({ length: n }, () => rng.nextU32());
    const ahead = ((o.prefetch ?? 2) + 1) * o.batchSize;
    const controller = new AbortController();
    // Every queued or running decode listens on this one signal.
    setMaxListeners(0, controller.signal);
    const tasks: Promise<Sample>[] = [];
    const launch = (upTo: number) => {
      while (tasks.length < Math.min(n, upTo)) {
        const p = tasks.length;
        const entry = this.entries[order[p]];
        const task = this.pool.run(() => this.load(entry, seeds[p], controller.signal), controller.signal);
        task.catch(() => {});
        tasks.push(task);
      }
    };
    let batch: Sample[] = [];
    let shape: readonly number[] | undefined;
    try {
      for (let p = 0; p < n; p++) {
        launch(p + ahead);
        let sample: Sample;
        try {
          sample = await tasks[p];
        } catch (e) {
          const entry = this.entries[order[p]];
          if (o.onError !== 'skip' || !(e instanceof VfmError) || e instanceof ConfigError) throw e;
          this.skipped.push({
            path: entry.file,
            line: entry.line,
            epoch,
            code: e.code,
            reason: String(
              (e.details as { reason?: string; field?: string }).reason ?? e.details.field ?? e.code,
            ),
            message: e.message,
          });
          continue;
        }
        if (!shape) shape = sample.clip.shape;
        else if (sample.clip.shape.join() !== shape.join())
          throw new ShapeError(
            `clip of ${sample.entry.file} is [${sample.clip.shape.join(', ')}], batch clips are [${shape.join(', ')}]; resize or crop to one size`,
            {
              name: 'clip',
              expected: [...shape],
              actual: [...sample.clip.shape],
            },
          );
        batch.push(sample);
        if (batch.length === o.batchSize) {
          yield this.collate(batch);
          batch = [];
        }
      }
      if (batch.length > 0 && !o.dropLast) yield this.collate(batch);
    } finally {
      controller.abort();
      await Promise.allSettled(tasks);
    }
  }

  private collate(samples: Sample[]): VideoBatch {
    const B = samples.length;
    const [T, H, W, C] = samples[0].clip.shape;
    const per = T * H * W * C;
    const data = new Float32Array(B * per);
    const K = this.classes.length;
    const labels = new Int32Array(B).fill(-1);
    const targets = new Float32Array(B * K);
    samples.forEach((s, b) => {
      data.set(s.clip.data, b * per);
      if (s.entry.label !== undefined) {
        labels[b] = this.classIndex.get(String(s.entry.label))!;
        targets[b * K + labels[b]] = 1;
      }
      for (const l of s.entry.labels ?? []) targets[b * K + this.classIndex.get(String(l))!] = 1;
    });
    return {
      data,
      shape: [B, T, H, W, C],
      labels,
      targets,
      entries: samples.map((s) => s.entry),
      frames: samples.map((s) => s.frames),
    };
  }
}
