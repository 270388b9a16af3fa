/**
 * Clips/s for 16 x 224 x 224 clips (stride 4, random start) sampled from 640 x 360 30 fps h264 files,
 * against the `ffmpeg` CLI decoding the same frames to /dev/null with the same seek, select and scale
 * (the practical limit), both with 2 decode workers, same machine, same run, interleaved rounds.
 *
 *   npm run bench -w @vfmkit/video          (VFM_BENCH_CLIPS=32 clips per round, 3 rounds)
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describeMachine, markdownTable } from '@vfmkit/core';
import {
  DecodePool,
  decodeClip,
  manifestFromEntries,
  probeVideo,
  resolveFfmpeg,
  type VideoInfo,
  VideoLoader,
} from '../src/index';
import { ffmpeg, tempDir } from '../test/fixtures';

const clipsPerRound = Number(process.env.VFM_BENCH_CLIPS ?? 32);
const rounds = Number(process.env.VFM_BENCH_ROUNDS ?? 3);
const FILES = 4;
const SECONDS = 10;
const size = { width: 224, height: 224 };
const { dir, cleanup } = tempDir('bench');

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

try {
  const files: string[] = [];
  for (let i = 0; i < FILES; i++) {
    const path = join(dir, `v${i}.mp4`);
    ffmpeg([
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=640x360:rate=30:duration=${SECONDS}`,
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-pix_fmt',
      'yuv420p',
      path,
    ]);
    files.push(path);
  }
  const infos = new Map<string, VideoInfo>();
  for (const f of files) infos.set(f, await probeVideo(f));
  // A dataset of clipsPerRound entries cycling over the files; one epoch = one round. The loader is
  // deterministic per (seed, epoch): a warm-up pass over epoch 0 records its clips, and every contender
  // then decodes exactly those clips (same files, same frames).
  const manifest = manifestFromEntries(
    dir,
    Array.from({ length: clipsPerRound }, (_, i) => ({ path: `v${i % FILES}.mp4`, label: `c${i % FILES}` })),
  );
  const loader = new VideoLoader({
    manifest,
    batchSize: 4,
    frames: 16,
    stride: 4,
    decodeSize: size,
    seed: 1,
    concurrency: 2,
    prefetch: 2,
  });
  const jobs: { file: string; indices: Int32Array }[] = [];
  for await (const b of loader.epoch(0)) {
    b.entries.forEach((e, i) => {
      jobs.push({ file: e.file, indices: b.frames[i] });
    });
  }
  const bin = resolveFfmpeg().path;

  // Peer: the ffmpeg CLI, same frames, same filters, raw RGB written to /dev/null.
  const cli = (file: string, indices: Int32Array) =>
    new Promise<void>((resolve, reject) => {
      const first = indices[0];
      const select = Array.from(indices, (i) => `eq(n\\,${i - first})`).join('+');
      const args = [
        '-hide_banner',
        '-nostdin',
        '-loglevel',
        'error',
        ...(first > 0 ? ['-ss', ((first - 0.5) / 30).toFixed(6)] : []),
        '-i',
        file,
        '-map',
        '0:v:0',
        '-frames:v',
        String(indices.length),
        '-vf',
        `select=${select},scale=${size.width}:${size.height}:flags=bilinear`,
        '-vsync',
        '0',
        '-an',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgb24',
        '-y',
        '/dev/null',
      ];
      const p = spawn(bin, args, { stdio: 'ignore' });
      p.on('error', reject);
      p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exit ${code}`))));
    });
  const peer = async () => {
    const pool = new DecodePool(2);
    await Promise.all(jobs.map((j) => pool.run(() => cli(j.file, j.indices))));
  };
  const ours = async () => {
    const pool = new DecodePool(2);
    await Promise.all(
      jobs.map((j) =>
        pool.run(async () => {
          const c = await decodeClip(j.file, { indices: j.indices, size, info: infos.get(j.file) });
          if (c.data.length !== 16 * 224 * 224 * 3) throw new Error('bad clip');
        }),
      ),
    );
  };
  const loaderRun = async () => {
    let n = 0;
    for await (const b of loader.epoch(0)) n += b.shape[0];
    if (n !== clipsPerRound) throw new Error(`loader gave ${n} clips`);
  };

  await peer();
  await ours();
  const t = { peer: [] as number[], ours: [] as number[], loader: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    t.peer.push(await timeIt(peer));
    t.ours.push(await timeIt(ours));
    t.loader.push(await timeIt(loaderRun));
  }
  const rate = (ms: number) => (clipsPerRound / ms) * 1000;
  const peerRate = rate(median(t.peer));
  console.log(
    `Decode throughput: ${clipsPerRound} clips of 16 x 224 x 224 (stride 4, random start) from ${FILES} x ${SECONDS} s 640x360 30 fps h264 files, 2 decode workers, median of ${rounds} interleaved rounds; ${describeMachine()}\n`,
  );
  console.log(
    markdownTable(
      ['contender', 'clips/s', 'peer: ffmpeg CLI -> /dev/null, clips/s', 'ratio (goal >= 0.8)'],
      [
        [
          'decodeClip -> Float32Array [16, 224, 224, 3] (DecodePool(2))',
          rate(median(t.ours)).toFixed(2),
          peerRate.toFixed(2),
          (rate(median(t.ours)) / peerRate).toFixed(2),
        ],
        [
          'VideoLoader batches [4, 16, 224, 224, 3] (concurrency 2, prefetch 2)',
          rate(median(t.loader)).toFixed(2),
          peerRate.toFixed(2),
          (rate(median(t.loader)) / peerRate).toFixed(2),
        ],
      ],
    ),
  );
} finally {
  cleanup();
}
