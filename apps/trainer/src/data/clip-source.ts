import { type Clip, ConfigError, Rng } from '@vfmkit/core';
import { caption, RenderPool, sampleScene, splitSeed, taskConfig } from '@vfmkit/synth4d';
import { decodeClip, probeVideo, randomClipIndices, readManifest } from '@vfmkit/video';
import type { TrainConfig } from '../config/schema';

/** A training clip `[T, H, W, 3]` in [0, 1], with its caption when the data has one. */
export interface SourceClip extends Clip {
  /** synth4d's template caption, or the manifest row's `caption`. */
  readonly caption?: string;
}

/** Indexed clips `[T, H, W, 3]` in [0, 1]. The same index always gives the same clip. */
export interface ClipSource {
  /** Number of distinct clips (`Infinity` for an unbounded generator). */
  readonly size: number;
  readonly description: string;
  clip(index: number): Promise<SourceClip>;
  /**
   * The caption of clip `index` without decoding or rendering it (a synth4d scene's template caption,
   * a manifest row's `caption`); undefined when the data has none.
   */
  caption(index: number): string | undefined;
  /** Starts producing these clips in the background (the next step's batch), if the source can. */
  prefetch?(indices: readonly number[]): void;
  /** Stops background work (render workers). */
  close?(): Promise<void>;
}

/** Bounded synth4d datasets up to this many bytes of pixels are kept in memory once rendered. */
const MEMO_BYTES = 512 * 2 ** 20;

/**
 * synth4d scenes rendered on the fly by synth4d's {@link RenderPool} (`data.renderWorkers` threads;
 * 0 renders in this thread): clip i is the scene of `splitSeed(split, i)`, whatever the number of
 * workers. The loop prefetches the next step's clips, so rendering overlaps training. A bounded
 * dataset small enough to fit {@link MEMO_BYTES} is rendered once and kept, so later epochs cost nothing.
 */
export function synth4dSource(config: TrainConfig): ClipSource {
  const data = config.data;
  if (data.source !== 'synth4d') throw new ConfigError('not a synth4d data config', { key: 'data.source' });
  const scene = taskConfig(data.task, {
    frames: config.frames,
    size: config.size,
    ...(data.objects ? { objects: data.objects } : {}),
  });
  const bytes = data.size * config.frames * config.size * config.size * 3 * 4;
  const keep = data.size > 0 && bytes <= MEMO_BYTES;
  const pool = new RenderPool(data.renderWorkers);
  /** Clips rendered or being rendered, by index (kept for good when `keep`). */
  const pending = new Map<number, Promise<SourceClip>>();
  const start = (index: number): Promise<SourceClip> => {
    let clip = pending.get(index);
    if (!clip) {
      clip = pool.render(scene, splitSeed(data.split, index)).then((sample) => ({
        data: sample.rgb,
        shape: [config.frames, config.size, config.size, 3],
        caption: sample.caption,
      }));
      // A prefetch nobody awaits yet must not surface as an unhandled rejection; clip() rethrows it.
      clip.catch(() => {});
      pending.set(index, clip);
    }
    return clip;
  };
  return {
    size: data.size === 0 ? Number.POSITIVE_INFINITY : data.size,
    description: `synth4d/${data.task} (${data.split}, ${data.size === 0 ? 'unbounded' : `${data.size} clips`}) ${config.frames}x${config.size}x${config.size}`,
    async clip(index) {
      const clip = await start(index);
      if (!keep) pending.delete(index);
      return clip;
    },
    caption: (index) => caption(sampleScene(scene, splitSeed(data.split, index))),
    prefetch(indices) {
      if (pool.size > 0) for (const i of indices) start(i);
    },
    close: () => pool.close(),
  };
}

/**
 * Clips from a `@vfmkit/video` manifest: entry i of the split, `frames` frames at the configured
 * stride from a start drawn from `(seed, index)`, resized to `size x size` in ffmpeg.
 */
export async function manifestSource(config: TrainConfig): Promise<ClipSource> {
  const data = config.data;
  if (data.source !== 'manifest') throw new ConfigError('not a manifest data config', { key: 'data.source' });
  const manifest = await readManifest(data.path);
  const entries = manifest.entries.filter((e) => (e.split ?? 'train') === data.split);
  if (entries.length === 0) {
    throw new ConfigError(`manifest ${data.path} has no entries in split "${data.split}"`, {
      key: 'data.split',
      value: data.split,
    });
  }
  return {
    size: entries.length,
    description: `manifest ${data.path} (${data.split}, ${entries.length} videos) ${config.frames}x${config.size}x${config.size}`,
    async clip(index) {
      const entry = entries[index];
      const info = await probeVideo(entry.file);
      const indices = randomClipIndices(
        info.frameCount,
        config.frames,
        data.stride,
        new Rng(config.seed * 1_000_003 + index),
      );
      const clip = await decodeClip(entry.file, {
        indices,
        info,
        size: { width: config.size, height: config.size },
      });
      return {
        data: clip.data,
        shape: [config.frames, config.size, config.size, 3],
        ...(entry.caption !== undefined ? { caption: entry.caption } : {}),
      };
    },
    caption: (index) => entries[index].caption,
  };
}

export async function openClipSource(config: TrainConfig): Promise<ClipSource> {
  return config.data.source === 'synth4d' ? synth4dSource(config) : manifestSource(config);
}

/**
 * Clips the run never trains on, for held-out metrics: synth4d's `val` split, or the manifest's `val`
 * split (null when the manifest has none).
 */
export async function heldOutSource(config: TrainConfig): Promise<ClipSource | null> {
  const data = config.data;
  if (data.source === 'synth4d')
    return synth4dSource({ ...config, data: { ...data, split: 'val', size: 16, renderWorkers: 0 } });
  const manifest = await readManifest(data.path);
  if (!manifest.entries.some((e) => e.split === 'val')) return null;
  return manifestSource({ ...config, data: { ...data, split: 'val' } });
}
