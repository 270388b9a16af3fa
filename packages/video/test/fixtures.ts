/**
 * Test videos generated with the bundled ffmpeg: tiny, with known colours and frame counts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { referencePython } from '../../../test-support/reference-tools';
import { resolveFfmpeg } from '../src/ffmpeg';

/** python3 with numpy and torch (the resize reference); in CI its absence throws. */
export const TORCH_PYTHON = referencePython(['numpy', 'torch']);
export const hasPython = TORCH_PYTHON !== undefined;

export function ffmpeg(args: string[], input?: Uint8Array): void {
  const bin = resolveFfmpeg().path;
  const res = spawnSync(bin, ['-hide_banner', '-loglevel', 'error', '-y', ...args], {
    input,
    maxBuffer: 1 << 28,
  });
  if (res.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${res.stderr}`);
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `vfm-video-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The colour of frame `i` in {@link writeIndexVideo}: distinct, far apart, exact in YUV 4:4:4. */
export function indexColor(i: number): [number, number, number] {
  return [((i * 37 + 16) % 224) + 16, ((i * 11 + 64) % 192) + 32, 240 - ((i * 5) % 200)];
}

/**
 * A video whose frame i is filled with {@link indexColor}(i): h264 lossless (qp 0, yuv444p), GOP 10,
 * so seeking lands between keyframes. Returns the path.
 */
export function writeIndexVideo(path: string, frames: number, width = 32, height = 24, fps = 25): string {
  const raw = new Uint8Array(frames * width * height * 3);
  for (let t = 0; t < frames; t++) {
    const [r, g, b] = indexColor(t);
    for (let p = 0; p < width * height; p++) raw.set([r, g, b], (t * width * height + p) * 3);
  }
  ffmpeg(
    [
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-s',
      `${width}x${height}`,
      '-r',
      String(fps),
      '-i',
      'pipe:0',
      '-c:v',
      'libx264',
      '-qp',
      '0',
      '-pix_fmt',
      'yuv444p',
      '-g',
      '10',
      path,
    ],
    raw,
  );
  return path;
}

/** testsrc encoded with the given codec/container, `frames` frames of `size` at `fps`. */
export function writeTestsrc(
  path: string,
  frames: number,
  size = '64x48',
  fps = 25,
  codec: string[] = ['-c:v', 'libx264', '-pix_fmt', 'yuv420p'],
): string {
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `testsrc=size=${size}:rate=${fps}`,
    '-frames:v',
    String(frames),
    ...codec,
    path,
  ]);
  return path;
}

/** Writes `text` to `path` (a text file posing as a video). */
export function writeText(path: string, text: string): string {
  writeFileSync(path, text);
  return path;
}

/** ffmpeg children of this process, alive or zombie, as `ps` sees them (independent of our bookkeeping). */
export function ffmpegChildren(): string[] {
  const out = execFileSync('ps', ['--ppid', String(process.pid), '-o', 'pid=,stat=,comm='], {
    encoding: 'utf8',
  });
  return out.split('\n').filter((l) => /ffmpeg/.test(l));
}
