import { mkdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { assertLength, ConfigError } from '@vfmkit/core';
import { VideoEncodeError } from './errors';
import { type FfmpegOptions, resolveFfmpeg } from './ffmpeg';
import { lastLines, spawnFfmpeg } from './internal/child';

/** A clip to write: `[T, H, W, 3]`, float32 in [0, 1] (clamped) or uint8. */
export interface WritableClip {
  readonly data: Float32Array | Uint8Array;
  readonly shape: readonly [number, number, number, number];
}

/** Options of {@link writeVideo}. */
export interface WriteOptions extends FfmpegOptions {
  /** Frames per second. Default 8. */
  fps?: number;
  /** h264 quality for mp4 (0 = lossless, 18 = visually lossless). Default 18. */
  crf?: number;
}

function toBytes(clip: WritableClip): Uint8Array {
  const [T, H, W, C] = clip.shape;
  if (C !== 3)
    throw new ConfigError(`clips are written as RGB: expected 3 channels, got ${C}`, {
      key: 'shape',
      value: clip.shape,
    });
  assertLength('clip', clip.data, [T, H, W, C]);
  if (clip.data instanceof Uint8Array) return clip.data;
  const out = new Uint8Array(clip.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = clip.data[i];
    out[i] = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
  }
  return out;
}

async function encode(
  path: string,
  clip: WritableClip,
  outArgs: string[],
  options: WriteOptions,
): Promise<void> {
  const [T, H, W] = clip.shape;
  const bytes = toBytes(clip);
  const fps = options.fps ?? 8;
  if (!(fps > 0)) throw new ConfigError(`fps must be > 0, got ${fps}`, { key: 'fps', value: fps });
  const bin = resolveFfmpeg(options);
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24'];
  args.push('-s', `${W}x${H}`, '-r', String(fps), '-i', 'pipe:0', ...outArgs);
  const proc = spawnFfmpeg(bin.path, args, 'pipe');
  try {
    const stdin = proc.child.stdin!;
    const frame = W * H * 3;
    for (let t = 0; t < T; t++) {
      if (!stdin.write(bytes.subarray(t * frame, (t + 1) * frame))) {
        await Promise.race([new Promise((r) => stdin.once('drain', r)), proc.closed]);
      }
      if (proc.child.exitCode !== null) break;
    }
    stdin.end();
    const res = await proc.closed;
    if (res.code !== 0 || res.spawnError)
      throw new VideoEncodeError(`${path}: ffmpeg could not write the clip: ${lastLines(proc.stderr(), 2)}`, {
        path,
        stderr: lastLines(proc.stderr()),
      });
  } finally {
    await proc.kill();
  }
}

/**
 * Writes a `[T, H, W, 3]` clip as a video, by extension: `.mp4` (h264, yuv420p; odd sizes padded by one
 * pixel), `.webm` (VP9), `.gif` (palette computed from the clip), `.png` (animated PNG, lossless).
 * @throws VideoEncodeError naming the file when ffmpeg fails; ConfigError for an unknown extension.
 */
export async function writeVideo(
  path: string,
  clip: WritableClip,
  options: WriteOptions = {},
): Promise<void> {
  const ext = extname(path).toLowerCase();
  const even = 'pad=ceil(iw/2)*2:ceil(ih/2)*2';
  let out: string[];
  if (ext === '.mp4')
    out = [
      '-vf',
      even,
      '-c:v',
      'libx264',
      '-crf',
      String(options.crf ?? 18),
      '-pix_fmt',
      'yuv420p',
      '-movflags',
      '+faststart',
    ];
  else if (ext === '.webm') out = ['-c:v', 'libvpx-vp9', '-b:v', '0', '-crf', String(options.crf ?? 30)];
  else if (ext === '.gif')
    out = ['-filter_complex', 'split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse', '-loop', '0'];
  else if (ext === '.png') out = ['-f', 'apng', '-plays', '0'];
  else
    throw new ConfigError(`cannot write ${ext || 'files without extension'}: use .mp4, .webm, .gif or .png`, {
      key: 'path',
      value: path,
    });
  await encode(path, clip, [...out, path], options);
}

/**
 * Writes each frame of a `[T, H, W, 3]` clip as `dir/<prefix>0000.png`, ... (lossless).
 * @returns the file paths, in frame order.
 */
export async function writeFrames(
  dir: string,
  clip: WritableClip,
  options: FfmpegOptions & { prefix?: string } = {},
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const prefix = options.prefix ?? 'frame-';
  if (/[/\\%]/.test(prefix))
    throw new ConfigError(`prefix must not contain / \\ or %: ${prefix}`, { key: 'prefix', value: prefix });
  await encode(dir, clip, ['-start_number', '0', '-f', 'image2', join(dir, `${prefix}%04d.png`)], options);
  return Array.from({ length: clip.shape[0] }, (_, t) =>
    join(dir, `${prefix}${String(t).padStart(4, '0')}.png`),
  );
}
