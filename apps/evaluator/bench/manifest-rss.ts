/**
 * Peak RSS of `vfm-eval --manifest` over manifests of 1,000 and 10,000 clips, against the in-memory peer
 * in the same run. vfm-eval probes every video, decodes clips while the encoder runs and trains its
 * readout on features read from the cache's shards. The peer does what vfm-eval did before: decode every
 * clip into memory, embed them, read all features back and train on the arrays. Both run the same
 * encoder (nano/8 at 8 x 64 x 64, ONNX Runtime CPU, 2 threads), the same classification readout
 * (frozen: attentive pooler, 150 steps, batch 16, seed 0) and the same ffmpeg decode, each in a fresh
 * process measured by `/usr/bin/time` (max RSS, wall seconds). The manifests cycle over 16 synth4d
 * videos (8 frames of 64 x 64, labelled by their motion class); 80% train, 20% val.
 *
 *   npx tsx --conditions=@vfmkit/source apps/evaluator/bench/manifest-rss.ts
 *   env: BENCH_MANIFEST_CLIPS=1000,10000
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describeMachine, markdownTable, Rng, sizeOf } from '@vfmkit/core';
import { initBackend } from '@vfmkit/nn';
import { FeatureCache, hashEncoderFile, labelsOnClip, manifestTask } from '@vfmkit/probes';
import { fitTask } from '@vfmkit/probes/tfjs';
import { renderSample, splitSeed, taskConfig } from '@vfmkit/synth4d';
import { DecodePool, labelVocabulary, probeVideo, readManifest, writeVideo } from '@vfmkit/video';
import { decodeVariant, initVitWeights } from '@vfmkit/vit-encoder';
import { VideoEncoder, writeVitOnnx } from '@vfmkit/vit-encoder/onnx';
import { main } from '../src/cli';
import { clipFrames, decodeEntry } from '../src/data/manifest-clips';
import { splitEntries } from '../src/data/manifest-source';
import { extractFeatures } from '../src/features';

const CLIP = [8, 64, 64];
const [mode, manifestPath, onnx, out] = process.argv.slice(2);

if (mode === 'vfm-eval') {
  const args = ['--encoder', onnx, '--manifest', manifestPath, '--tasks', 'classification'];
  process.exitCode = await main([...args, '--adaptations', 'frozen', '--threads', '2', '--out', out]);
} else if (mode === 'in-memory') {
  await inMemory();
} else {
  await parent();
}

/** The peer: every clip decoded into memory, embedded, read back whole, and the readout trained on the arrays. */
async function inMemory() {
  const manifest = await readManifest(manifestPath);
  const vocabulary = labelVocabulary(manifest.entries, { annotations: true });
  const classOf = (label: string | number) => vocabulary.indexOf(String(label));
  const { train, test } = splitEntries(manifest.entries, 0);
  const encoder = await VideoEncoder.load(onnx, { device: 'cpu', threads: 2 });
  const cache = new FeatureCache(join(out, 'features'));
  const pool = new DecodePool(2);
  const split = async (name: string, entries: typeof train) => {
    const clips = await Promise.all(
      entries.map((entry) =>
        pool.run(async () => {
          const info = await probeVideo(entry.file);
          const rgb = await decodeEntry(entry, CLIP, info);
          return { rgb, ...labelsOnClip(entry, clipFrames(entry, info, CLIP[0]), info.fps, classOf) };
        }),
      ),
    );
    const dataKey = `${basename(manifestPath)}:${name}`;
    await extractFeatures(cache, encoder, onnx, dataKey, clips);
    const arrays = await cache.read({ encoderHash: await hashEncoderFile(onnx), dataKey });
    return { features: arrays.tokens, samples: clips };
  };
  const [trainSplit, testSplit] = [await split('train', train), await split('test', test)];
  await encoder.dispose();
  await initBackend({ log: null });
  const task = manifestTask('classification', { dataset: 'bench', classes: vocabulary.length, slots: 1 });
  const m = encoder.meta;
  const geometry = {
    grid: m.grid,
    frames: CLIP[0],
    height: CLIP[1],
    width: CLIP[2],
    featureWidth: m.vit.width,
    layers: 2,
  };
  const options = { kind: 'attentive', steps: 150, batchSize: 16, lr: 3e-3 } as const;
  const r = fitTask(task, geometry, trainSplit, testSplit, options, new Rng(0).fork());
  console.log(`top1 ${r.table[0].value.toFixed(3)}`);
}

/** Runs `args` under /usr/bin/time: max RSS (MiB) and wall seconds. */
function measured(args: string[]): { rssMiB: number; seconds: number; stdout: string } {
  const r = spawnSync('/usr/bin/time', ['-f', 'RSS %M WALL %e', process.execPath, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const m = /RSS (\d+) WALL ([\d.]+)\s*$/.exec(r.stderr);
  if (r.status !== 0 || !m)
    throw new Error(`${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-3000)}`);
  return { rssMiB: Number(m[1]) / 1024, seconds: Number(m[2]), stdout: r.stdout };
}

async function parent() {
  const counts = (process.env.BENCH_MANIFEST_CLIPS ?? '1000,10000').split(',').map(Number);
  const dir = mkdtempSync(join(tmpdir(), 'vfm-eval-manifest-rss-'));
  try {
    const config = decodeVariant('nano/8', {
      frames: CLIP[0],
      imageSize: [CLIP[1], CLIP[2]],
      exposeLayers: [0],
    });
    const model = join(dir, 'nano.onnx');
    await writeVitOnnx(model, config, initVitWeights(config, 0));
    const scene = taskConfig('spatiotemporal', { frames: CLIP[0], size: CLIP[1], objects: 2 });
    const labels: string[] = [];
    for (let i = 0; i < 16; i++) {
      const s = renderSample(scene, splitSeed('train', i));
      await writeVideo(
        join(dir, `v${i}.mp4`),
        { data: s.rgb, shape: [CLIP[0], CLIP[1], CLIP[2], 3] },
        { fps: 8 },
      );
      labels.push(s.actions.clipClass);
    }
    const self = ['--import', 'tsx', '--conditions=@vfmkit/source', import.meta.filename];
    const rows: string[][] = [];
    for (const n of counts) {
      const manifest = join(dir, `clips${n}.jsonl`);
      const lines = Array.from({ length: n }, (_, i) =>
        JSON.stringify({
          path: `v${i % 16}.mp4`,
          label: labels[i % 16],
          split: i < 0.8 * n ? 'train' : 'val',
        }),
      );
      writeFileSync(manifest, `${lines.join('\n')}\n`);
      for (const mode of ['vfm-eval', 'in-memory']) {
        const folder = join(dir, `${mode}-${n}`);
        mkdirSync(folder, { recursive: true });
        const r = measured([...self, mode, manifest, model, folder]);
        const perClip = sizeOf(CLIP) * 3 * 4 + 2 * 256 * config.width * 4;
        rows.push([
          n.toLocaleString('en'),
          mode,
          r.rssMiB.toFixed(0),
          r.seconds.toFixed(0),
          ((n * perClip) / 2 ** 20).toFixed(0),
        ]);
        console.error(`${mode} ${n}: ${r.rssMiB.toFixed(0)} MiB, ${r.seconds} s`);
      }
    }
    console.log(
      `Peak RSS of a manifest evaluation (classification, frozen readout), nano/8 at ${CLIP.join(' x ')}, ONNX Runtime CPU 2 threads; ${describeMachine()}.\n`,
    );
    console.log(
      markdownTable(
        ['clips', 'pipeline', 'peak RSS (MiB)', 'wall (s)', 'pixels + features of all clips (MiB)'],
        rows,
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
