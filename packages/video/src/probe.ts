import { access } from 'node:fs/promises';
import { VideoDecodeError } from './errors';
import { type FfmpegOptions, inputPixelFormats, resolveFfmpeg } from './ffmpeg';
import { lastLines, runFfmpeg } from './internal/child';

/** What {@link probeVideo} learns about a file's first video stream. */
export interface VideoInfo {
  readonly path: string;
  /** Container as ffmpeg names it, e.g. `mov,mp4,m4a,3gp,3g2,mj2`. */
  readonly container: string;
  /** Codec name, e.g. `h264`, `vp9`. */
  readonly codec: string;
  /** Pixel format of the coded stream, e.g. `yuv420p`. */
  readonly pixelFormat: string;
  /** Coded size (before rotation). */
  readonly codedWidth: number;
  readonly codedHeight: number;
  /** Display size: coded size after rotation (what decoding returns without resize). */
  readonly width: number;
  readonly height: number;
  /** Frames per second (NTSC rates as exact rationals, e.g. 30000/1001). */
  readonly fps: number;
  /** Number of video frames (packets of the stream, counted without decoding). */
  readonly frameCount: number;
  /** Seconds; from the container, or `frameCount / fps` when the container has none. */
  readonly duration: number;
  /** Clockwise display rotation in degrees: 0, 90, 180 or 270. */
  readonly rotation: number;
}

const NTSC: Record<string, number> = {
  '23.98': 24000 / 1001,
  '29.97': 30000 / 1001,
  '59.94': 60000 / 1001,
  '119.88': 120000 / 1001,
};

/** Splits on commas that are not inside parentheses or brackets. */
function topLevelFields(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function parseRate(fields: string[], unit: 'fps' | 'tbr'): number | undefined {
  for (const f of fields) {
    const m = new RegExp(`^([\\d.]+)(k?) ${unit}$`).exec(f);
    if (m) return NTSC[m[1]] ?? Number(m[1]) * (m[2] ? 1000 : 1);
  }
  return undefined;
}

/** Parses ffmpeg's stream-copy log (`-i file -map 0:v:0 -c copy -f null -`). Exported for tests. */
export function parseProbeLog(path: string, log: string): VideoInfo {
  const fail = (reason: 'invalid-data' | 'no-video-stream' | 'no-frames', why: string): never => {
    throw new VideoDecodeError(`${path}: ${why}`, { path, reason, stderr: lastLines(log) });
  };
  const input = /Input #0, ([^ ]+), from/.exec(log);
  const invalid = /Invalid data found when processing input|moov atom not found/.exec(log);
  if (invalid && input && invalid.index > input.index)
    fail('invalid-data', 'is corrupt or truncated (ffmpeg: invalid data while reading its packets)');
  if (invalid) fail('invalid-data', 'not a readable video (ffmpeg: invalid data)');
  if (!input) fail('invalid-data', `ffmpeg could not open it: ${lastLines(log, 2)}`);
  const streamLine = /Stream #0:\d+[^:]*: Video: (.*)/.exec(log);
  if (!streamLine) fail('no-video-stream', 'has no video stream');
  const fields = topLevelFields(streamLine![1]);
  const codec = fields[0].split(' ')[0];
  const pixelFormat = (fields[1] ?? 'none').split('(')[0].trim();
  const size = fields.map((f) => /^(\d+)x(\d+)/.exec(f)).find((m) => m);
  if (!size) fail('invalid-data', 'video stream has no frame size');
  const codedWidth = Number(size![1]);
  const codedHeight = Number(size![2]);
  const frames = [...log.matchAll(/frame=\s*(\d+)/g)];
  const frameCount = frames.length ? Number(frames[frames.length - 1][1]) : 0;
  if (frameCount === 0) fail('no-frames', 'video stream has zero frames');
  const fps = parseRate(fields, 'fps') ?? parseRate(fields, 'tbr');
  if (!fps || !(fps > 0)) fail('invalid-data', 'video stream has no frame rate');
  let rotation = 0;
  const afterStream = log.slice(streamLine!.index);
  const rotTag = /^\s*rotate\s*:\s*(-?\d+)/m.exec(afterStream);
  const matrix = /displaymatrix: rotation of (-?[\d.]+) degrees/.exec(afterStream);
  if (rotTag) rotation = Number(rotTag[1]);
  else if (matrix) rotation = -Number(matrix[1]);
  rotation = (((Math.round(rotation / 90) * 90) % 360) + 360) % 360;
  const dur = /Duration: (\d+):(\d+):([\d.]+)/.exec(log);
  const containerDuration = dur ? Number(dur[1]) * 3600 + Number(dur[2]) * 60 + Number(dur[3]) : 0;
  const swap = rotation === 90 || rotation === 270;
  return {
    path,
    container: input![1],
    codec,
    pixelFormat,
    codedWidth,
    codedHeight,
    width: swap ? codedHeight : codedWidth,
    height: swap ? codedWidth : codedHeight,
    fps: fps!,
    frameCount,
    duration: containerDuration > 0 ? containerDuration : frameCount / fps!,
    rotation,
  };
}

/** Options of {@link probeVideo}. */
export interface ProbeOptions extends FfmpegOptions {
  signal?: AbortSignal;
}

/**
 * Size, rate, exact frame count, duration, codec, pixel format and rotation of the first video stream.
 * Uses ffmpeg alone (no ffprobe): the stream is copied to a null muxer, so frames are counted without
 * decoding (fast: milliseconds for short files).
 * @throws VideoDecodeError naming the file: `not-found`, `invalid-data` (not a video, truncated
 *   header), `no-video-stream`, `no-frames`, `unsupported-pixel-format`, `aborted`, `no-ffmpeg`.
 */
export async function probeVideo(path: string, options: ProbeOptions = {}): Promise<VideoInfo> {
  try {
    await access(path);
  } catch (e) {
    throw new VideoDecodeError(`${path}: no such file`, { path, reason: 'not-found' }, { cause: e });
  }
  const bin = resolveFfmpeg(options);
  const res = await runFfmpeg(
    bin.path,
    ['-hide_banner', '-nostdin', '-i', path, '-map', '0:v:0', '-c', 'copy', '-f', 'null', '-'],
    options.signal,
  );
  if (res.aborted) throw new VideoDecodeError(`${path}: probe aborted`, { path, reason: 'aborted' });
  if (res.spawnError)
    throw new VideoDecodeError(
      `${path}: could not start ffmpeg`,
      { path, reason: 'no-ffmpeg' },
      { cause: res.spawnError },
    );
  if (/matches no streams/.test(res.stderr))
    throw new VideoDecodeError(`${path}: has no video stream`, {
      path,
      reason: 'no-video-stream',
      stderr: lastLines(res.stderr),
    });
  const info = parseProbeLog(path, res.stderr);
  if (!inputPixelFormats(bin).has(info.pixelFormat)) {
    throw new VideoDecodeError(
      `${path}: pixel format ${info.pixelFormat} cannot be converted to RGB by this ffmpeg`,
      { path, reason: 'unsupported-pixel-format', pixelFormat: info.pixelFormat },
    );
  }
  return info;
}
