import type { ManifestLabels } from '@vfmkit/probes';
import type { ResolvedEntry, VideoInfo } from '@vfmkit/video';
import { uniformIndices } from '@vfmkit/video';
import type { EvalClip } from './task-source';

/**
 * A manifest entry decoded at an encoder's clip size, with its labels mapped onto the clip's frames
 * (probes' `labelsOnClip`).
 */
export interface ManifestClip extends EvalClip, ManifestLabels {}

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
