/**
 * Generates a small labelled dataset with the bundled ffmpeg, loads seeded, augmented batches from it
 * and writes one augmented clip back as a GIF. Runs in a few seconds.
 *
 *   npm run demo -w @vfmkit/video
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compose,
  importFolderPerClass,
  probeVideo,
  readManifest,
  resolveFfmpeg,
  VideoLoader,
  writeManifest,
  writeVideo,
} from '../src/index';

const root = mkdtempSync(join(tmpdir(), 'vfm-video-demo-'));
try {
  const ffmpeg = resolveFfmpeg();
  console.log(`ffmpeg: ${ffmpeg.source} (${ffmpeg.version})`);
  const sources = { testsrc: 'testsrc', mandelbrot: 'mandelbrot', life: 'life=mold=10:ratio=0.3' };
  for (const [cls, src] of Object.entries(sources)) {
    mkdirSync(join(root, cls));
    for (let i = 0; i < 2; i++) {
      const out = join(root, cls, `clip${i}.mp4`);
      const res = spawnSync(ffmpeg.path, [
        '-hide_banner',
        '-loglevel',
        'error',
        '-f',
        'lavfi',
        '-i',
        `${src}${src.includes('=') ? ':' : '='}size=96x64:rate=25`,
        '-frames:v',
        String(30 + 10 * i),
        '-c:v',
        'libx264',
        '-pix_fmt',
        'yuv420p',
        out,
      ]);
      if (res.status !== 0) throw new Error(String(res.stderr));
    }
  }
  await writeManifest(join(root, 'train.jsonl'), await importFolderPerClass(root, { split: 'train' }));
  const manifest = await readManifest(join(root, 'train.jsonl'));
  const info = await probeVideo(manifest.entries[0].file);
  console.log(
    `${manifest.entries.length} videos, e.g. ${info.width}x${info.height} ${info.codec}, ${info.frameCount} frames at ${info.fps} fps`,
  );

  const augment = compose([
    { type: 'randomResizedCrop', height: 64, width: 64, scale: [0.4, 1] },
    { type: 'horizontalFlip' },
    { type: 'colorJitter', brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, p: 0.8 },
  ]);
  console.log(`augmentation config: ${JSON.stringify(augment.config)}`);
  const loader = new VideoLoader({
    manifest,
    batchSize: 4,
    frames: 8,
    stride: 2,
    transform: augment,
    seed: 0,
  });
  for await (const batch of loader.epoch(0)) {
    console.log(
      `batch [${batch.shape.join(', ')}] labels ${Array.from(batch.labels)
        .map((l) => loader.classes[l])
        .join(', ')}`,
    );
  }
  const epoch1 = loader.epoch(1);
  const first = (await epoch1.next()).value!;
  await epoch1.return(undefined); // stop early: pending decodes are aborted and reaped
  const [, T, H, W, C] = first.shape;
  const gif = join(tmpdir(), 'vfm-video-demo.gif');
  await writeVideo(gif, { data: first.data.subarray(0, T * H * W * C), shape: [T, H, W, C] }, { fps: 8 });
  console.log(`wrote an augmented clip to ${gif}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
