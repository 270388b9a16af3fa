import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ffmpeg, ffmpegChildren, tempDir, writeTestsrc, writeText } from '../test/fixtures';
import { decodeClip, decodeFrames } from './decode';
import { VideoDecodeError } from './errors';
import { liveFfmpegPids } from './internal/child';
import { probeVideo } from './probe';

const { dir, cleanup } = tempDir('bad');
const f = (name: string) => join(dir, name);

beforeAll(() => {
  writeText(f('text.mp4'), 'this is not a video\n'.repeat(20));
  // moov at the end (no faststart): cutting the file loses the index.
  writeTestsrc(f('full.mp4'), 50, '64x48');
  const bytes = readFileSync(f('full.mp4'));
  writeFileSync(f('truncated.mp4'), bytes.subarray(0, Math.floor(bytes.length / 2)));
  // faststart: the index survives, the frame data is cut.
  writeTestsrc(f('fast.mp4'), 50, '64x48', 25, [
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    '+faststart',
  ]);
  const fast = readFileSync(f('fast.mp4'));
  writeFileSync(f('truncated-fast.mp4'), fast.subarray(0, Math.floor(fast.length * 0.4)));
  // A video stream with zero frames (AVI keeps the stream header).
  ffmpeg(['-i', f('full.mp4'), '-c', 'copy', '-frames:v', '0', f('zero.avi')]);
  // No video stream at all: audio only.
  ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=0.5', '-c:a', 'aac', f('audio.mp4')]);
  // uyyvyy411 raw frames in NUT: the scaler cannot read that format.
  writeFileSync(f('raw.bin'), new Uint8Array(16 * 16 * 3 * 2));
  ffmpeg([
    '-f',
    'rawvideo',
    '-pix_fmt',
    'uyyvyy411',
    '-s',
    '16x16',
    '-r',
    '10',
    '-i',
    f('raw.bin'),
    '-c',
    'copy',
    f('y411.nut'),
  ]);
});
afterAll(cleanup);
afterEach(() => {
  expect(liveFfmpegPids()).toEqual([]);
  expect(ffmpegChildren()).toEqual([]);
});

async function decodeError(path: string): Promise<VideoDecodeError> {
  try {
    await decodeClip(path, { indices: [0, 1, 2, 40, 45] });
  } catch (e) {
    expect(e).toBeInstanceOf(VideoDecodeError);
    return e as VideoDecodeError;
  }
  throw new Error(`decoding ${path} did not fail`);
}

describe('bad input gives a typed error naming the file, and leaves no ffmpeg running', () => {
  it('missing file', async () => {
    const e = await decodeError(f('missing.mp4'));
    expect(e.details).toMatchObject({ reason: 'not-found', path: f('missing.mp4') });
    expect(e.message).toContain('missing.mp4');
  });

  it('a text file renamed .mp4', async () => {
    const e = await decodeError(f('text.mp4'));
    expect(e.details).toMatchObject({ reason: 'invalid-data', path: f('text.mp4') });
  });

  it('a truncated mp4 (index at the end, lost)', async () => {
    const e = await decodeError(f('truncated.mp4'));
    expect(e.details).toMatchObject({ reason: 'invalid-data', path: f('truncated.mp4') });
  });

  it('a truncated mp4 (faststart: index kept, frame data cut)', async () => {
    const e = await decodeError(f('truncated-fast.mp4'));
    expect(e.details).toMatchObject({ reason: 'invalid-data', path: f('truncated-fast.mp4') });
    expect(e.message).toMatch(/corrupt or truncated/);
  });

  it('a zero-frame video', async () => {
    const e = await decodeError(f('zero.avi'));
    expect(e.details).toMatchObject({ reason: 'no-frames', path: f('zero.avi') });
  });

  it('a file without a video stream', async () => {
    const e = await decodeError(f('audio.mp4'));
    expect(e.details).toMatchObject({ reason: 'no-video-stream', path: f('audio.mp4') });
  });

  it('an unsupported pixel format', async () => {
    const e = await decodeError(f('y411.nut'));
    expect(e.details).toMatchObject({ reason: 'unsupported-pixel-format', pixelFormat: 'uyyvyy411' });
    expect(e.message).toContain('y411.nut');
  });

  it('the streaming decoder fails the same way', async () => {
    const run = async () => {
      for await (const _ of decodeFrames(f('text.mp4'))) {
        /* drain */
      }
    };
    await expect(run()).rejects.toMatchObject({ code: 'VIDEO_DECODE', details: { reason: 'invalid-data' } });
  });

  it('a good file still probes (control)', async () => {
    expect((await probeVideo(f('full.mp4'))).frameCount).toBe(50);
  });
});
