import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceFfmpeg } from '../../../test-support/reference-tools';
import { ffmpeg, ffmpegChildren, indexColor, tempDir, writeIndexVideo, writeTestsrc } from '../test/fixtures';
import { decodeClip, decodeFrames } from './decode';
import { VideoDecodeError } from './errors';
import { resolveFfmpeg } from './ffmpeg';
import { liveFfmpegPids } from './internal/child';
import { DecodePool } from './pool';
import { probeVideo } from './probe';

/** The system ffmpeg (a second, independent build); in CI its absence throws. */
const SYSTEM_FFMPEG = referenceFfmpeg();

const { dir, cleanup } = tempDir('decode');
const W = 32;
const H = 24;
let idx: string;

beforeAll(() => {
  idx = writeIndexVideo(join(dir, 'idx.mp4'), 40, W, H, 25);
  writeTestsrc(join(dir, 'a.webm'), 30, '64x48', 30, ['-c:v', 'libvpx-vp9', '-pix_fmt', 'yuv420p']);
  writeTestsrc(join(dir, 'a.mkv'), 20, '64x48', 24, ['-c:v', 'libx264', '-pix_fmt', 'yuv420p']);
  writeTestsrc(join(dir, 'a.avi'), 15, '64x48', 15, ['-c:v', 'mpeg4']);
  ffmpeg(['-i', idx, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', join(dir, 'rot.mp4')]);
});
afterAll(cleanup);

function expectColor(data: Uint8Array | Float32Array, offset: number, frame: number, scale = 1, tol = 3) {
  const want = indexColor(frame);
  for (let c = 0; c < 3; c++) expect(Math.abs(data[offset + c] * scale - want[c])).toBeLessThanOrEqual(tol);
}

describe('probeVideo', () => {
  it('reads size, rate, exact frame count, duration and codec', async () => {
    const info = await probeVideo(idx);
    expect(info).toMatchObject({ width: W, height: H, fps: 25, frameCount: 40, codec: 'h264', rotation: 0 });
    expect(info.duration).toBeCloseTo(1.6, 2);
  });

  it.each([
    ['a.webm', 'vp9', 30, 30],
    ['a.mkv', 'h264', 20, 24],
    ['a.avi', 'mpeg4', 15, 15],
  ])('probes %s', async (file, codec, frames, fps) => {
    const info = await probeVideo(join(dir, file));
    expect(info).toMatchObject({ codec, frameCount: frames, fps, width: 64, height: 48 });
  });

  it('reports rotation and the displayed size, and decodes rotated frames', async () => {
    const info = await probeVideo(join(dir, 'rot.mp4'));
    expect([90, 270]).toContain(info.rotation);
    expect([info.codedWidth, info.codedHeight, info.width, info.height]).toEqual([W, H, H, W]);
    const clip = await decodeClip(join(dir, 'rot.mp4'), { indices: [5], dtype: 'uint8' });
    expect(clip.shape).toEqual([1, W, H, 3]);
    expectColor(clip.data, 0, 5);
  });
});

describe('decodeClip', () => {
  it('returns the exact frames asked for, with seeking between keyframes (GOP 10)', async () => {
    const indices = [0, 3, 7, 7, 13, 25, 39];
    const clip = await decodeClip(idx, { indices, dtype: 'uint8' });
    expect(clip.shape).toEqual([7, H, W, 3]);
    expect(Array.from(clip.frames)).toEqual(indices);
    const frame = W * H * 3;
    indices.forEach((f, t) => {
      expectColor(clip.data, t * frame, f);
      expectColor(clip.data, t * frame + frame - 3, f);
    });
  });

  it.each([1, 9, 10, 11, 19, 33])('seeks to frame %i exactly', async (f) => {
    const clip = await decodeClip(idx, { indices: [f, f + 1], dtype: 'uint8' });
    expectColor(clip.data, 0, f);
    expectColor(clip.data, W * H * 3, f + 1);
  });

  it('returns float32 in [0, 1] equal to uint8 / 255', async () => {
    const u = await decodeClip(idx, { indices: [4, 8], dtype: 'uint8' });
    const f = await decodeClip(idx, { indices: [4, 8] });
    expect(f.data).toBeInstanceOf(Float32Array);
    for (let i = 0; i < u.data.length; i += 97) expect(f.data[i]).toBeCloseTo(u.data[i] / 255, 6);
  });

  it('resamples the frame rate: index j is source frame floor(j * 25 / 10)', async () => {
    const clip = await decodeClip(idx, { indices: [0, 1, 2, 3, 15], fps: 10, dtype: 'uint8' });
    expect(Array.from(clip.frames)).toEqual([0, 2, 5, 7, 37]);
    Array.from(clip.frames).forEach((f, t) => {
      expectColor(clip.data, t * W * H * 3, f);
    });
  });

  it('resizes in ffmpeg', async () => {
    const clip = await decodeClip(idx, {
      indices: [12],
      size: { width: 16, height: 10 },
      scaler: 'area',
      dtype: 'uint8',
    });
    expect(clip.shape).toEqual([1, 10, 16, 3]);
    expectColor(clip.data, (5 * 16 + 7) * 3, 12);
  });

  it('rejects indices past the end with out-of-range', async () => {
    await expect(decodeClip(idx, { indices: [39, 40] })).rejects.toMatchObject({
      code: 'VIDEO_DECODE',
      details: { reason: 'out-of-range', path: idx, frame: 40 },
    });
  });
});

describe('decodeFrames', () => {
  it('streams every frame, in order', async () => {
    let n = 0;
    for await (const f of decodeFrames(idx)) {
      expect(f.index).toBe(n);
      expectColor(f.data, 0, n);
      n++;
    }
    expect(n).toBe(40);
  });

  it('seeks with start and resamples with fps', async () => {
    const first = await decodeFrames(idx, { start: 1.0, maxFrames: 1 }).next();
    expectColor(first.value!.data, 0, 25);
    let n = 0;
    for await (const _ of decodeFrames(idx, { fps: 10 })) n++;
    expect(n).toBe(16);
  });

  it('kills and reaps ffmpeg on early break', async () => {
    for await (const f of decodeFrames(idx)) {
      expect(liveFfmpegPids().length).toBe(1);
      if (f.index === 2) break;
    }
    expect(liveFfmpegPids()).toEqual([]);
    expect(ffmpegChildren()).toEqual([]);
  });

  it('stops on abort with an aborted VideoDecodeError and no child left', async () => {
    const ac = new AbortController();
    const run = async () => {
      for await (const f of decodeFrames(idx, { signal: ac.signal })) if (f.index === 1) ac.abort();
    };
    await expect(run()).rejects.toMatchObject({ details: { reason: 'aborted', path: idx } });
    expect(liveFfmpegPids()).toEqual([]);
    expect(ffmpegChildren()).toEqual([]);
  });
});

describe('ffmpeg resolution and the pool', () => {
  it('uses the bundled binary by default', () => {
    const bin = resolveFfmpeg();
    expect(['bundled', 'env']).toContain(bin.source);
    expect(bin.version).toMatch(/^ffmpeg version/);
  });

  it('a binary that does not run gives a clear VideoDecodeError', async () => {
    expect(() => resolveFfmpeg({ ffmpegPath: join(dir, 'no-ffmpeg') })).toThrow(VideoDecodeError);
    await expect(probeVideo(idx, { ffmpegPath: join(dir, 'no-ffmpeg') })).rejects.toMatchObject({
      details: { reason: 'no-ffmpeg' },
    });
  });

  it.skipIf(!SYSTEM_FFMPEG)(
    'accepts another ffmpeg by option (reason: needs the system ffmpeg on PATH)',
    async () => {
      const clip = await decodeClip(idx, { indices: [21], ffmpegPath: SYSTEM_FFMPEG, dtype: 'uint8' });
      expectColor(clip.data, 0, 21);
    },
  );

  it('runs many decodes at most `concurrency` at a time, each correct', async () => {
    const pool = new DecodePool(2);
    let peak = 0;
    const info = await probeVideo(idx);
    const jobs = [3, 8, 14, 20, 27, 35].map((f) =>
      pool.run(async () => {
        peak = Math.max(peak, pool.active, liveFfmpegPids().length);
        const clip = await decodeClip(idx, { indices: [f], info, dtype: 'uint8' });
        peak = Math.max(peak, liveFfmpegPids().length);
        return [f, clip] as const;
      }),
    );
    for (const [f, clip] of await Promise.all(jobs)) expectColor(clip.data, 0, f);
    expect(peak).toBeLessThanOrEqual(2);
    expect(peak).toBeGreaterThanOrEqual(1);
  });
});
