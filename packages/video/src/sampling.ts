import { ConfigError, type SeedOrRng, toRng } from '@vfmkit/core';

function posInt(name: string, v: number, min = 1): void {
  if (!Number.isInteger(v) || v < min)
    throw new ConfigError(`${name} must be an integer >= ${min}, got ${v}`, { key: name, value: v });
}

/** Frames a clip of `frames` frames at `stride` covers: `(frames - 1) * stride + 1`. */
export function clipSpan(frames: number, stride: number): number {
  return (frames - 1) * stride + 1;
}

function window(start: number, frames: number, stride: number, frameCount: number): Int32Array {
  const out = new Int32Array(frames);
  for (let i = 0; i < frames; i++) out[i] = Math.min(start + i * stride, frameCount - 1);
  return out;
}

/**
 * `k` frames spread uniformly over the video (TSN-style segment centres): the video is cut into `k`
 * equal segments and the middle frame of each is taken, `floor((i + 0.5) * N / k)`.
 * Frames repeat when the video has fewer than `k` frames.
 * @returns `[k]` frame indices, non-decreasing.
 * @example uniformIndices(10, 4) // -> [1, 3, 6, 8]
 */
export function uniformIndices(frameCount: number, k: number): Int32Array {
  posInt('frameCount', frameCount);
  posInt('k', k);
  const out = new Int32Array(k);
  for (let i = 0; i < k; i++) out[i] = Math.floor(((i + 0.5) * frameCount) / k);
  return out;
}

/**
 * `k` frames, one drawn uniformly inside each of `k` equal segments (TSN training sampling).
 * Segment `i` covers `[floor(i * N / k), floor((i + 1) * N / k))` (at least one frame).
 * @returns `[k]` frame indices, non-decreasing.
 */
export function segmentRandomIndices(frameCount: number, k: number, seed: SeedOrRng): Int32Array {
  posInt('frameCount', frameCount);
  posInt('k', k);
  const rng = toRng(seed);
  const out = new Int32Array(k);
  for (let i = 0; i < k; i++) {
    const lo = Math.floor((i * frameCount) / k);
    const hi = Math.max(lo + 1, Math.floor(((i + 1) * frameCount) / k));
    out[i] = Math.min(lo + rng.int(hi - lo), frameCount - 1);
  }
  return out;
}

/**
 * A random clip of `frames` frames, `stride` apart (the MAE/VideoMAE pretraining sampler): the start is
 * uniform over every position where the clip fits. When the video is shorter than the clip's span, the
 * clip starts at 0 and indices past the end repeat the last frame.
 * @returns `[frames]` frame indices.
 */
export function randomClipIndices(
  frameCount: number,
  frames: number,
  stride: number,
  seed: SeedOrRng,
): Int32Array {
  posInt('frameCount', frameCount);
  posInt('frames', frames);
  posInt('stride', stride);
  const span = clipSpan(frames, stride);
  const start = span <= frameCount ? toRng(seed).int(frameCount - span + 1) : 0;
  return window(start, frames, stride, frameCount);
}

/**
 * Dense sliding windows over a long video: clips of `frames` frames at `stride`, starting every `step`
 * frames (default: the span, so windows touch without overlap). When the windows do not end on the last
 * frame, one more window is aligned to the end, so every frame is covered.
 * @returns one `[frames]` index array per window.
 */
export function slidingWindows(
  frameCount: number,
  frames: number,
  stride: number,
  step?: number,
): Int32Array[] {
  posInt('frameCount', frameCount);
  posInt('frames', frames);
  posInt('stride', stride);
  const span = clipSpan(frames, stride);
  const hop = step ?? span;
  posInt('step', hop);
  if (span >= frameCount) return [window(0, frames, stride, frameCount)];
  const out: Int32Array[] = [];
  let start = 0;
  for (; start + span <= frameCount; start += hop) out.push(window(start, frames, stride, frameCount));
  const lastStart = start - hop;
  if (lastStart + span < frameCount) out.push(window(frameCount - span, frames, stride, frameCount));
  return out;
}

/**
 * `clips` temporal clips evenly spaced over the video for multi-view evaluation: clip `c` starts at
 * `round(c * (N - span) / (clips - 1))` (one clip: the centred one, `floor((N - span) / 2)`).
 * @returns `clips` index arrays `[frames]`.
 */
export function temporalViews(
  frameCount: number,
  frames: number,
  stride: number,
  clips: number,
): Int32Array[] {
  posInt('frameCount', frameCount);
  posInt('frames', frames);
  posInt('stride', stride);
  posInt('clips', clips);
  const span = clipSpan(frames, stride);
  const free = Math.max(0, frameCount - span);
  const out: Int32Array[] = [];
  for (let c = 0; c < clips; c++) {
    const start = clips === 1 ? Math.floor(free / 2) : Math.round((c * free) / (clips - 1));
    out.push(window(start, frames, stride, frameCount));
  }
  return out;
}

/** A crop box in pixels. */
export interface CropBox {
  readonly top: number;
  readonly left: number;
  readonly height: number;
  readonly width: number;
}

/**
 * Spatial crops of `size x size` for multi-view evaluation: 1 crop is centred; 3 crops sit at the
 * start, centre and end of the longer side (SlowFast / VideoMAE 3-crop testing), centred on the other.
 */
export function spatialViews(height: number, width: number, size: number, crops: 1 | 3): CropBox[] {
  posInt('height', height);
  posInt('width', width);
  posInt('size', size);
  if (size > height || size > width)
    throw new ConfigError(`crop size ${size} exceeds the frame ${height}x${width}`, {
      key: 'size',
      value: size,
    });
  if (crops !== 1 && crops !== 3)
    throw new ConfigError(`crops must be 1 or 3, got ${crops}`, { key: 'crops', value: crops });
  const cy = Math.floor((height - size) / 2);
  const cx = Math.floor((width - size) / 2);
  if (crops === 1) return [{ top: cy, left: cx, height: size, width: size }];
  if (width >= height)
    return [0, cx, width - size].map((left) => ({ top: cy, left, height: size, width: size }));
  return [0, cy, height - size].map((top) => ({ top, left: cx, height: size, width: size }));
}

/** One view of multi-view evaluation. */
export interface View {
  readonly clip: number;
  readonly crop: number;
  /** `[frames]` frame indices. */
  readonly indices: Int32Array;
  readonly box: CropBox;
}

/**
 * Multi-view evaluation (clips x crops): every temporal view of {@link temporalViews} with every spatial
 * view of {@link spatialViews}, clip-major. Scores are usually averaged over the views.
 */
export function multiView(
  frameCount: number,
  temporal: { frames: number; stride: number; clips: number },
  spatial: { height: number; width: number; size: number; crops: 1 | 3 },
): View[] {
  const clips = temporalViews(frameCount, temporal.frames, temporal.stride, temporal.clips);
  const boxes = spatialViews(spatial.height, spatial.width, spatial.size, spatial.crops);
  const out: View[] = [];
  clips.forEach((indices, clip) => {
    boxes.forEach((box, crop) => {
      out.push({ clip, crop, indices, box });
    });
  });
  return out;
}
