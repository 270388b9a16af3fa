import type { ResolvedEntry, VideoInfo } from '@vfmkit/video';
import { decodeClip, probeVideo, uniformIndices } from '@vfmkit/video';

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
 * One entry decoded at a clip size `[T, H, W]`: T frames spread over its span (see {@link clipFrames}),
 * resized to H x W in ffmpeg.
 * @param info the video's info (`probeVideo`), when already known.
 * @returns the pixels `[T, H, W, 3]`.
 */
export async function decodeEntry(
  entry: ResolvedEntry,
  [T, H, W]: readonly number[],
  info?: VideoInfo,
): Promise<Float32Array> {
  const known = info ?? (await probeVideo(entry.file));
  const frames = clipFrames(entry, known, T);
  const c = await decodeClip(entry.file, { indices: frames, size: { width: W, height: H }, info: known });
  return c.data;
}
