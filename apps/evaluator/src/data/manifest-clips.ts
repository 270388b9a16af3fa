import type { FrameSegment, KeyframeBox } from '@vfmkit/probes';
import type { ResolvedEntry, VideoInfo } from '@vfmkit/video';
import { uniformIndices } from '@vfmkit/video';
import type { EvalClip } from './task-source';

/** A manifest entry decoded at an encoder's clip size, with its labels mapped onto the clip's frames. */
export interface ManifestClip extends EvalClip {
  /** Class id of `label`, or -1 without one. */
  readonly label: number;
  /** Class ids of `labels` (multi-label). */
  readonly labels: readonly number[];
  /** `segments`, as runs of the clip's frames (segments no sampled frame falls in are dropped). */
  readonly segments: readonly FrameSegment[];
  /** `boxes`, each on the clip frame nearest its time (boxes outside the sampled span are dropped). */
  readonly boxes: readonly KeyframeBox[];
}

/**
 * The source frames a `T`-frame clip of an entry takes: `T` frames spread uniformly (TSN segment
 * centres) over the entry's `[start, end)` span, or the whole video.
 * @returns `[T]` source frame indices.
 */
export function clipFrames(entry: ResolvedEntry, info: VideoInfo, T: number): Int32Array {
  const first = Math.min(info.frameCount - 1, Math.ceil((entry.start ?? 0) * info.fps - 1e-9));
  const end = entry.end === undefined ? info.frameCount : Math.ceil(entry.end * info.fps - 1e-9);
  const count = Math.max(1, Math.min(info.frameCount, end) - first);
  return uniformIndices(count, T).map((i) => first + i);
}

/**
 * Maps an entry's labels (seconds, vocabulary strings) onto the clip sampled at `frames`: frame `i`
 * shows time `frames[i] / fps`; a segment `[s, e)` covers the clip frames whose time is in it; a box
 * goes to the nearest clip frame within one clip-frame spacing of its time.
 */
export function labelsOnClip(
  entry: ResolvedEntry,
  frames: Int32Array,
  fps: number,
  classOf: (label: string | number) => number,
): Omit<ManifestClip, 'rgb'> {
  const times = Array.from(frames, (f) => f / fps);
  const spacing = times.length > 1 ? (times[times.length - 1] - times[0]) / (times.length - 1) : 1 / fps;
  const segments: FrameSegment[] = [];
  for (const s of entry.segments ?? []) {
    const inside = times.flatMap((t, i) => (t >= s.start - 1e-9 && t < s.end - 1e-9 ? [i] : []));
    if (inside.length > 0)
      segments.push({ start: inside[0], end: inside[inside.length - 1] + 1, label: classOf(s.label) });
  }
  const boxes: KeyframeBox[] = [];
  for (const b of entry.boxes ?? []) {
    let nearest = 0;
    times.forEach((t, i) => {
      if (Math.abs(t - b.time) < Math.abs(times[nearest] - b.time)) nearest = i;
    });
    if (Math.abs(times[nearest] - b.time) <= spacing + 1e-9)
      boxes.push({ frame: nearest, box: b.box, labels: b.labels.map(classOf) });
  }
  return {
    label: entry.label === undefined ? -1 : classOf(entry.label),
    labels: (entry.labels ?? []).map(classOf),
    segments,
    boxes,
  };
}
