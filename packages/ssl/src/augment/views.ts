import { type Clip, ConfigError, type SeedOrRng, ShapeError, toRng } from '@vfmkit/core';
import { checkClip, compose, resizeClip } from '@vfmkit/video';
import type { AugmentPolicy } from './policy';

/** What {@link makeViews} cuts out. */
export interface ViewOptions {
  /** Frames per view. */
  readonly frames: number;
  /** Output side in pixels: each view is `[frames, size, size, C]`. */
  readonly size: number;
  /** Number of views. */
  readonly count: number;
}

/** Where a view sits in time in its source clip (for inspection and tests). */
export interface ViewTiming {
  readonly start: number;
  readonly speed: number;
}

function positiveInt(key: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0)
    throw new ConfigError(`${key} must be a positive integer, got ${v}`, { key, value: v });
}

/**
 * Draws the start and stride of one view: a speed from `policy.temporal.speeds` (uniformly, among
 * those whose span `(frames - 1) * speed + 1` fits in `sourceFrames`), then a start, uniform over the
 * valid range with `jitter`, centred without.
 * @throws ShapeError when even speed 1 does not fit (the source has fewer than `frames` frames).
 */
export function sampleViewTiming(
  sourceFrames: number,
  frames: number,
  temporal: AugmentPolicy['temporal'],
  seed: SeedOrRng,
): ViewTiming {
  const rng = toRng(seed);
  const fits = temporal.speeds.filter((s) => (frames - 1) * s + 1 <= sourceFrames);
  if (fits.length === 0)
    throw new ShapeError(
      `a view of ${frames} frames at speed ${Math.min(...temporal.speeds)} needs a source of at least ${
        (frames - 1) * Math.min(...temporal.speeds) + 1
      } frames, got ${sourceFrames}`,
      { name: 'source', expected: [frames, null, null, null], actual: [sourceFrames] },
    );
  const speed = fits.length === 1 ? fits[0] : fits[rng.int(fits.length)];
  const room = sourceFrames - ((frames - 1) * speed + 1);
  const start = temporal.jitter ? rng.int(room + 1) : Math.floor(room / 2);
  return { start, speed };
}

/** Frames `start, start + speed, ...` of a clip: `[frames, H, W, C]`. */
export function takeFrames(source: Clip, start: number, speed: number, frames: number): Clip {
  const [, h, w, c] = source.shape;
  const per = h * w * c;
  const data = new Float32Array(frames * per);
  for (let f = 0; f < frames; f++) {
    const t = start + f * speed;
    data.set(source.data.subarray(t * per, (t + 1) * per), f * per);
  }
  return { data, shape: [frames, h, w, c] };
}

/**
 * Views of one clip under a policy: each takes `frames` frames at a sampled stride from a sampled start
 * (see {@link sampleViewTiming}), then the policy's spatial transforms, drawn once per view and applied
 * to all its frames alike, then a resize to `size x size` when the transforms end at another size.
 * Same `rng` seed, same views.
 * @param source `[T, H, W, C]` in [0, 1], T >= frames
 * @returns `count` clips `[frames, size, size, C]`
 * @throws ConfigError on a non-positive option; ShapeError on a bad or too short clip.
 */
export function makeViews(source: Clip, policy: AugmentPolicy, options: ViewOptions, rng: SeedOrRng): Clip[] {
  checkClip(source, 'source');
  positiveInt('frames', options.frames);
  positiveInt('size', options.size);
  positiveInt('count', options.count);
  const r = toRng(rng);
  const spatial = compose(policy.spatial);
  const views: Clip[] = [];
  for (let v = 0; v < options.count; v++) {
    const { start, speed } = sampleViewTiming(source.shape[0], options.frames, policy.temporal, r);
    let view = spatial.apply(takeFrames(source, start, speed, options.frames), r.fork());
    if (view.shape[1] !== options.size || view.shape[2] !== options.size)
      view = resizeClip(view, options.size, options.size);
    views.push(view);
  }
  return views;
}

/**
 * Stacks `V` views of each of `B` clips into one `[B * V, T, H, W, C]` array, view-major within a clip
 * (clip b's views at rows `b * V .. b * V + V - 1`), the layout the joint-embedding model reads.
 * @throws ShapeError when the views differ in shape or a clip has another number of views.
 */
export function stackViews(views: readonly (readonly Clip[])[]): {
  data: Float32Array;
  shape: [number, number, number, number, number];
} {
  const first = views[0]?.[0];
  if (!first)
    throw new ShapeError('stackViews: no views', { name: 'views', expected: ['B', 'V'], actual: [0] });
  const count = views[0].length;
  const per = first.data.length;
  const data = new Float32Array(views.length * count * per);
  let row = 0;
  for (const [b, clipViews] of views.entries()) {
    if (clipViews.length !== count)
      throw new ShapeError(`clip ${b} has ${clipViews.length} views, clip 0 has ${count}`, {
        name: 'views',
        expected: [views.length, count],
        actual: [b, clipViews.length],
      });
    for (const v of clipViews) {
      if (v.shape.some((d, i) => d !== first.shape[i]))
        throw new ShapeError(`view shapes differ: [${v.shape}] vs [${first.shape}]`, {
          name: 'views',
          expected: [...first.shape],
          actual: [...v.shape],
        });
      data.set(v.data, row++ * per);
    }
  }
  return { data, shape: [views.length * count, ...first.shape] };
}

/** {@link viewBatch}'s options: the views to cut, and the layout of the result. */
export interface ViewBatchOptions extends ViewOptions {
  /**
   * `true`: `[B, V, T, H, W, C]`, so that splitting along dim 0 (micro-batches, data-parallel shards)
   * always keeps a clip's views together. Default `false`: `[B * V, T, H, W, C]`.
   */
  readonly byClip?: boolean;
}

/**
 * One joint-embedding training batch: `count` views of every clip under `policy`, stacked as
 * `views` `[B * V, frames, size, size, C]` view-major within a clip (see {@link stackViews}), or
 * `[B, V, frames, size, size, C]` with `byClip`. The shape is nn's `Batch` entry (`{ data, shape }`);
 * one `rng` draws every view, so a seed fixes the batch.
 */
export function viewBatch(
  clips: readonly Clip[],
  policy: AugmentPolicy,
  options: ViewBatchOptions,
  rng: SeedOrRng,
): { views: { data: Float32Array; shape: number[] } } {
  if (clips.length === 0) throw new ConfigError('viewBatch: no clips', { key: 'clips' });
  const r = toRng(rng);
  const stacked = stackViews(clips.map((c) => makeViews(c, policy, options, r)));
  const [rows, ...rest] = stacked.shape;
  const shape = options.byClip ? [clips.length, rows / clips.length, ...rest] : [...stacked.shape];
  return { views: { data: stacked.data, shape } };
}
