import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderSample, splitSeed, taskConfig } from '@vfmkit/synth4d';
import { writeVideo } from '@vfmkit/video';
import { VideoTextModel } from '@vfmkit/videoprism-distill/onnx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli';
import { zeroShotEvaluate } from '../src/zero-shot';

const root = mkdtempSync(join(tmpdir(), 'vfm-zero-shot-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const run = join(root, 'stage1');
const CLIPS = 12;

beforeAll(() => {
  // A real stage-1 run: 6 steps of vfm-train videoprism-contrastive on 4 x 16 x 16 synth4d clips.
  const bin = fileURLToPath(new URL('../../trainer/bin/vfm-train.mjs', import.meta.url));
  execFileSync(
    process.execPath,
    [
      bin,
      'videoprism-contrastive',
      `--out=${run}`,
      '--no-progress',
      '--steps=6',
      '--batchSize=4',
      '--frames=4',
      '--size=16',
      '--model.variant=nano/8',
      '--model.tubeletFrames=2',
      '--data.source=synth4d',
      '--data.size=8',
      '--checkpointEvery=6',
      '--pictures=false',
    ],
    { stdio: 'ignore' },
  );
}, 120_000);

/** 1-based rank of the true item (index `target`) in a row of scores; ties ranked by index. */
function rank(row: readonly number[], target: number): number {
  return 1 + row.filter((v, j) => v > row[target] || (v === row[target] && j < target)).length;
}

describe('vfm-eval --suite zero-shot', () => {
  it('scores a stage-1 run: recall as a float64 ranking of its embeddings gives it, with chance levels', async () => {
    const report = await zeroShotEvaluate({
      models: [{ name: 'vp', path: run }],
      out: join(root, 'zs'),
      clips: CLIPS,
    });
    const retrieval = report.rows.find((r) => r.task === 'retrieval');
    const classification = report.rows.find((r) => r.task === 'classification');
    expect(retrieval?.clips).toBe(CLIPS);
    expect(retrieval?.chance['videoToText.r1']).toBeCloseTo(1 / CLIPS, 12);
    expect(retrieval?.chance['textToVideo.r10']).toBeCloseTo(10 / CLIPS, 12);
    expect(classification?.metrics.classes).toBe(6);
    expect(classification?.chance.top1).toBeCloseTo(1 / 6, 12);
    expect(readFileSync(report.files.markdown, 'utf8')).toMatch(/\| chance \| 0\.083 \|/);

    // The same clips and captions, embedded here; similarities and ranks in float64 in this test.
    const model = await VideoTextModel.load(join(run, 'videoprism'));
    try {
      const [T, H, W] = model.manifest.clip;
      const config = taskConfig('actions', { frames: T, height: H, width: W });
      const samples = Array.from({ length: CLIPS }, (_, i) => renderSample(config, splitSeed('val', i)));
      const data = new Float32Array(CLIPS * T * H * W * 3);
      samples.forEach((s, i) => {
        data.set(s.rgb, i * s.rgb.length);
      });
      const v = await model.embedVideo({ data, shape: [CLIPS, T, H, W, 3] });
      const t = await model.embedText(samples.map((s) => s.caption));
      const D = v.shape[1];
      const sim = Array.from({ length: CLIPS }, (_, i) =>
        Array.from({ length: CLIPS }, (_, j) => {
          let dot = 0;
          for (let k = 0; k < D; k++) dot += v.data[i * D + k] * t.data[j * D + k];
          return dot;
        }),
      );
      const v2t = sim.map((row, i) => rank(row, i));
      const t2v = sim.map((_, j) =>
        rank(
          sim.map((row) => row[j]),
          j,
        ),
      );
      const recall = (ranks: number[], k: number) => ranks.filter((r) => r <= k).length / CLIPS;
      expect(retrieval?.metrics['videoToText.r1']).toBeCloseTo(recall(v2t, 1), 12);
      expect(retrieval?.metrics['videoToText.r5']).toBeCloseTo(recall(v2t, 5), 12);
      expect(retrieval?.metrics['textToVideo.r1']).toBeCloseTo(recall(t2v, 1), 12);
      expect(retrieval?.metrics['textToVideo.r10']).toBeCloseTo(recall(t2v, 10), 12);
    } finally {
      await model.dispose();
    }
  }, 60_000);

  it("scores a manifest's test entries: retrieval over captions, classification over its labels", async () => {
    const videos = join(root, 'videos');
    mkdirSync(videos, { recursive: true });
    const config = taskConfig('actions', { frames: 8, height: 32, width: 32 });
    const rows: object[] = [{ path: 'videos/train.mp4', split: 'train', label: 'spin' }];
    const labels = ['spin', 'bounce', 'spin'];
    for (const [i, label] of labels.entries()) {
      const s = renderSample(config, splitSeed('val', 100 + i));
      await writeVideo(join(videos, `v${i}.mp4`), { data: s.rgb, shape: [8, 32, 32, 3] }, { fps: 8 });
      rows.push({ path: `videos/v${i}.mp4`, split: 'val', label, ...(i < 2 ? { caption: s.caption } : {}) });
    }
    await writeVideo(
      join(videos, 'train.mp4'),
      { data: renderSample(config, 1).rgb, shape: [8, 32, 32, 3] },
      { fps: 8 },
    );
    const manifest = join(root, 'videos.jsonl');
    writeFileSync(manifest, rows.map((r) => JSON.stringify(r)).join('\n'));
    const report = await zeroShotEvaluate({
      models: [{ name: 'vp', path: run }],
      out: join(root, 'zs-manifest'),
      manifest,
    });
    const retrieval = report.rows.find((r) => r.task === 'retrieval');
    const classification = report.rows.find((r) => r.task === 'classification');
    // two of the three test entries have captions; all three have labels from a vocabulary of two
    expect(retrieval?.clips).toBe(2);
    expect(retrieval?.chance['textToVideo.r1']).toBe(0.5);
    expect(classification?.clips).toBe(3);
    expect(classification?.metrics.classes).toBe(2);
    expect(retrieval?.data).toBe(manifest);
  }, 60_000);

  it('names a folder that is not a video-text model, and --objects outside the zero-shot suite', async () => {
    const errors: string[] = [];
    const error = console.error;
    console.error = (line: string) => errors.push(line);
    try {
      expect(await main(['--suite', 'zero-shot', '--encoder', `x=${root}`, '--out', join(root, 'bad')])).toBe(
        2,
      );
      expect(await main(['--encoder', `x=${run}`, '--objects', '1', '--out', join(root, 'bad')])).toBe(2);
    } finally {
      console.error = error;
    }
    expect(errors[0]).toMatch(/is not a video-text model/);
    expect(errors[1]).toMatch(/--objects applies to --suite zero-shot only/);
  });
});
