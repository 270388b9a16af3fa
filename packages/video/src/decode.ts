import { ConfigError } from '@vfmkit/core';
import { VideoDecodeError } from './errors';
import { type FfmpegOptions, resolveFfmpeg } from './ffmpeg';
import { rawChunks, rawFrames } from './internal/raw-stream';
import { probeVideo, type VideoInfo } from './probe';

/** Options shared by the decoders. */
export interface DecodeOptions extends FfmpegOptions {
  /** Resize in ffmpeg to this output size (after rotation). Default: the display size. */
  size?: { width: number; height: number };
  /** ffmpeg scaler used with `size`. Default `bilinear`. */
  scaler?: 'bilinear' | 'area' | 'bicubic' | 'lanczos';
  /** Stops the decode: the ffmpeg child is killed and a `VideoDecodeError` (`aborted`) is thrown. */
  signal?: AbortSignal;
  /** A probe result for this file, to skip probing again. */
  info?: VideoInfo;
}

/** One decoded RGB frame: `data` is `[H, W, 3]` uint8. */
export interface VideoFrame {
  /** 0-based index in the output stream (after seeking and resampling). */
  readonly index: number;
  readonly width: number;
  readonly height: number;
  /** `[H, W, 3]` uint8 RGB. */
  readonly data: Uint8Array;
}

/** Options of {@link decodeFrames}. */
export interface FrameStreamOptions extends DecodeOptions {
  /** Seconds to seek to before decoding (fast input seeking, frame-accurate). */
  start?: number;
  /** Resample to this frame rate with ffmpeg's `fps` filter (nearest frame). */
  fps?: number;
  /** Stop after this many frames. */
  maxFrames?: number;
}

function checkSize(size: { width: number; height: number } | undefined): void {
  if (!size) return;
  for (const k of ['width', 'height'] as const) {
    if (!Number.isInteger(size[k]) || size[k] <= 0)
      throw new ConfigError(`size.${k} must be a positive integer, got ${size[k]}`, {
        key: `size.${k}`,
        value: size[k],
      });
  }
}

function scaleFilter(options: DecodeOptions): string[] {
  return options.size
    ? [`scale=${options.size.width}:${options.size.height}:flags=${options.scaler ?? 'bilinear'}`]
    : [];
}

function outputArgs(filters: string[]): string[] {
  return [
    ...(filters.length ? ['-vf', filters.join(',')] : []),
    '-vsync',
    '0',
    '-an',
    '-sn',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    'pipe:1',
  ];
}

/**
 * Decodes a video to RGB frames over a pipe, one `[H, W, 3]` uint8 frame at a time. Breaking out of
 * the loop, an error, or `signal` kills and reaps the ffmpeg child.
 * @example
 * for await (const f of decodeFrames('a.mp4', { fps: 8, size: { width: 112, height: 112 } })) use(f.data);
 * @throws VideoDecodeError naming the file (see {@link probeVideo} for reasons).
 */
export async function* decodeFrames(
  path: string,
  options: FrameStreamOptions = {},
): AsyncGenerator<VideoFrame> {
  checkSize(options.size);
  if (options.fps !== undefined && !(options.fps > 0))
    throw new ConfigError(`fps must be > 0, got ${options.fps}`, { key: 'fps', value: options.fps });
  const info = options.info ?? (await probeVideo(path, options));
  const bin = resolveFfmpeg(options);
  const width = options.size?.width ?? info.width;
  const height = options.size?.height ?? info.height;
  const filters = [...(options.fps ? [`fps=${options.fps}`] : []), ...scaleFilter(options)];
  const args = [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    ...(options.start ? ['-ss', options.start.toFixed(6)] : []),
    '-i',
    path,
    '-map',
    '0:v:0',
    ...(options.maxFrames !== undefined ? ['-frames:v', String(options.maxFrames)] : []),
    ...outputArgs(filters),
  ];
  let index = 0;
  for await (const data of rawFrames(bin.path, args, width * height * 3, path, options.signal)) {
    yield { index: index++, width, height, data };
  }
}

/** A decoded clip: `data` is `[T, H, W, 3]`, float32 in [0, 1] or uint8. */
export interface DecodedClip<A extends Float32Array | Uint8Array = Float32Array> {
  readonly data: A;
  /** `[T, H, W, 3]` */
  readonly shape: readonly [number, number, number, number];
  /** The source frame index of each output frame, `[T]`. */
  readonly frames: Int32Array;
  readonly info: VideoInfo;
}

/** Options of {@link decodeClip}. */
export interface ClipOptions extends DecodeOptions {
  /** Frame indices to return, in order (repeats allowed), `[T]`; in the `fps` timeline when set. */
  indices: ArrayLike<number>;
  /**
   * Resample first: index `j` means the frame on screen at time `j / fps`, i.e. source frame
   * `floor(j * sourceFps / fps)`. Default: the source rate.
   */
  fps?: number;
  /** `float32` (default, [0, 1]) or `uint8` ([0, 255]). */
  dtype?: 'float32' | 'uint8';
}

const UNIT = Float32Array.from({ length: 256 }, (_, i) => i / 255);

/** A plain Uint8Array view of a Buffer (keeps the hot loop monomorphic). */
function bytes(chunk: Buffer): Uint8Array {
  return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
}

/** `dst[dstOff + i] = src[srcOff + i] / 255` through a lookup table. */
function bytesToUnit(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  for (let i = 0; i < n; i++) dst[dstOff + i] = UNIT[src[srcOff + i]];
}

/** Maps indices in a resampled timeline to source frame indices (nearest earlier frame). */
export function resampleIndices(indices: ArrayLike<number>, sourceFps: number, fps: number): Int32Array {
  const out = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = Math.floor((indices[i] * sourceFps) / fps + 1e-9);
  return out;
}

/**
 * Decodes selected frames of a video as one clip. ffmpeg seeks before the input to the first wanted
 * frame (fast and frame-accurate), decodes up to the last, and converts only the selected frames
 * (a `select` filter), then resizes them when `size` is set.
 * @returns `[T, H, W, 3]` float32 in [0, 1] (or uint8 with `dtype: 'uint8'`).
 * @throws VideoDecodeError: `out-of-range` for an index past the last frame, `short-read` when the file
 *   yields fewer frames than its header promised (truncated), and the reasons of {@link probeVideo}.
 */
export async function decodeClip(
  path: string,
  options: ClipOptions & { dtype: 'uint8' },
): Promise<DecodedClip<Uint8Array>>;
export async function decodeClip(path: string, options: ClipOptions): Promise<DecodedClip<Float32Array>>;
export async function decodeClip(
  path: string,
  options: ClipOptions,
): Promise<DecodedClip<Float32Array> | DecodedClip<Uint8Array>> {
  checkSize(options.size);
  if (options.indices.length === 0)
    throw new ConfigError('indices must not be empty', { key: 'indices', value: [] });
  if (options.fps !== undefined && !(options.fps > 0))
    throw new ConfigError(`fps must be > 0, got ${options.fps}`, { key: 'fps', value: options.fps });
  const info = options.info ?? (await probeVideo(path, options));
  const src = options.fps
    ? resampleIndices(options.indices, info.fps, options.fps)
    : Int32Array.from(options.indices);
  for (const i of src) {
    if (!Number.isInteger(i) || i < 0 || i >= info.frameCount) {
      throw new VideoDecodeError(`${path}: frame ${i} is outside 0..${info.frameCount - 1}`, {
        path,
        reason: 'out-of-range',
        frame: i,
        frameCount: info.frameCount,
      });
    }
  }
  const unique = [...new Set(src)].sort((a, b) => a - b);
  const first = unique[0];
  const last = unique[unique.length - 1];
  const bin = resolveFfmpeg(options);
  const width = options.size?.width ?? info.width;
  const height = options.size?.height ?? info.height;
  const frameBytes = width * height * 3;
  const contiguous = unique.length === last - first + 1;
  const select = contiguous ? [] : [`select=${unique.map((i) => `eq(n\\,${i - first})`).join('+')}`];
  // Seek half a frame before the first wanted frame: ffmpeg drops frames with pts < start exactly.
  const start = first > 0 ? (first - 0.5) / info.fps : 0;
  const args = [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    ...(start > 0 ? ['-ss', start.toFixed(6)] : []),
    '-i',
    path,
    '-map',
    '0:v:0',
    '-frames:v',
    String(unique.length),
    ...outputArgs([...select, ...scaleFilter(options)]),
  ];
  // Bytes stream straight into the output, at the first position of each wanted frame; repeats are
  // copied afterwards. No intermediate frame buffers.
  const T = src.length;
  const shape = [T, height, width, 3] as const;
  const firstSlot = new Map<number, number>();
  for (let t = 0; t < T; t++) if (!firstSlot.has(src[t])) firstSlot.set(src[t], t);
  const slotOf = unique.map((f) => firstSlot.get(f)!);
  const asUint8 = options.dtype === 'uint8';
  const data = asUint8 ? new Uint8Array(T * frameBytes) : new Float32Array(T * frameBytes);
  let pos = 0;
  const limit = unique.length * frameBytes;
  for await (const chunk of rawChunks(bin.path, args, frameBytes, path, options.signal)) {
    let off = 0;
    while (off < chunk.length && pos < limit) {
      const k = Math.floor(pos / frameBytes);
      const within = pos - k * frameBytes;
      const n = Math.min(frameBytes - within, chunk.length - off);
      const dst = slotOf[k] * frameBytes + within;
      if (asUint8) (data as Uint8Array).set(chunk.subarray(off, off + n), dst);
      else bytesToUnit(bytes(chunk), off, data as Float32Array, dst, n);
      pos += n;
      off += n;
    }
  }
  const got = Math.floor(pos / frameBytes);
  if (got !== unique.length) {
    throw new VideoDecodeError(
      `${path}: got ${got} of ${unique.length} frames (frames ${unique[got]}.. missing; truncated file?)`,
      { path, reason: 'short-read', got, wanted: unique.length },
    );
  }
  for (let t = 0; t < T; t++) {
    const s0 = firstSlot.get(src[t])!;
    if (s0 !== t) data.copyWithin(t * frameBytes, s0 * frameBytes, (s0 + 1) * frameBytes);
  }
  return asUint8
    ? { data: data as Uint8Array, shape, frames: src, info }
    : { data: data as Float32Array, shape, frames: src, info };
}
