import { join } from 'node:path';
import { ConfigError } from '@vfmkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { ffmpegChildren, indexColor, tempDir } from '../test/fixtures';
import { decodeClip } from './decode';
import { liveFfmpegPids } from './internal/child';
import { probeVideo } from './probe';
import { writeFrames, writeVideo } from './write';

const { dir, cleanup } = tempDir('write');
afterAll(cleanup);

const T = 6;
const H = 15; // odd: mp4 pads to even
const W = 20;
function coloured(): { data: Uint8Array; shape: [number, number, number, number] } {
  const data = new Uint8Array(T * H * W * 3);
  for (let t = 0; t < T; t++) for (let p = 0; p < H * W; p++) data.set(indexColor(t), (t * H * W + p) * 3);
  return { data, shape: [T, H, W, 3] };
}

async function expectFrames(path: string, tol: number, width = W, height = H) {
  const info = await probeVideo(path);
  expect(info.frameCount).toBe(T);
  expect([info.width, info.height]).toEqual([width, height]);
  const clip = await decodeClip(path, { indices: [0, 1, 2, 3, 4, 5], dtype: 'uint8' });
  for (let t = 0; t < T; t++) {
    const off = (t * height * width + 3 * width + 5) * 3;
    const want = indexColor(t);
    for (let c = 0; c < 3; c++) expect(Math.abs(clip.data[off + c] - want[c])).toBeLessThanOrEqual(tol);
  }
}

describe('writing clips', () => {
  it('mp4 (h264): frame count, padded size, colours within codec tolerance', async () => {
    await writeVideo(join(dir, 'a.mp4'), coloured(), { fps: 6 });
    await expectFrames(join(dir, 'a.mp4'), 8, W, H + 1);
  });

  it('animated PNG is lossless; float32 input is scaled from [0, 1]', async () => {
    const u = coloured();
    const f = { data: Float32Array.from(u.data, (v) => v / 255), shape: u.shape };
    await writeVideo(join(dir, 'a.png'), f);
    await expectFrames(join(dir, 'a.png'), 0);
  });

  it('GIF with a palette from the clip', async () => {
    await writeVideo(join(dir, 'a.gif'), coloured());
    await expectFrames(join(dir, 'a.gif'), 4);
  });

  it('PNG frames, one file per frame', async () => {
    const files = await writeFrames(join(dir, 'frames'), coloured(), { prefix: 'f' });
    expect(files.map((p) => p.slice(-9))).toEqual([
      'f0000.png',
      'f0001.png',
      'f0002.png',
      'f0003.png',
      'f0004.png',
      'f0005.png',
    ]);
    const last = await decodeClip(files[5], { indices: [0], dtype: 'uint8' });
    expect(Array.from(last.data.subarray(0, 3))).toEqual(indexColor(5));
  });

  it('rejects unknown formats and non-RGB clips; no process left', async () => {
    await expect(writeVideo(join(dir, 'a.xyz'), coloured())).rejects.toThrow(ConfigError);
    await expect(
      writeVideo(join(dir, 'b.mp4'), { data: new Uint8Array(8), shape: [2, 2, 2, 1] }),
    ).rejects.toThrow(/3 channels/);
    await expect(writeVideo(join(dir, 'no-such-dir', 'c.mp4'), coloured())).rejects.toMatchObject({
      code: 'VIDEO_ENCODE',
    });
    expect(liveFfmpegPids()).toEqual([]);
    expect(ffmpegChildren()).toEqual([]);
  });
});
