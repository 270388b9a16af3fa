import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '@vfmkit/nn';
import { VideoTokenizer } from '@vfmkit/tokenizer/onnx';
import { loadTokenizer, stackClips } from '@vfmkit/tokenizer/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/load-config';
import { synth4dSource } from '../src/data/clip-source';
import { JsonlLog } from '../src/run/jsonl-log';
import { runFiles, train } from '../src/train/train';

const root = mkdtempSync(join(tmpdir(), 'vfm-tok-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A tiny tokenizer on 4 x 16 x 16 clips: latent tokens of 2 x 8 x 8, so 2 x 2 x 2 = 8 per clip. */
const tiny = (name: string, extra: string[] = []) =>
  resolveConfig('tokenizer', {
    overrides: [
      `--out=${join(root, name)}`,
      '--steps=4',
      '--batchSize=2',
      '--frames=4',
      '--size=16',
      '--data.source=synth4d',
      '--data.size=4',
      '--checkpointEvery=2',
      '--pictures=false',
      '--tokenizer.baseWidth=8',
      ...extra,
    ],
  });

describe('vfm-train tokenizer', () => {
  it('checkpoints the tokenizer, logs held-out PSNR, SSIM and codebook use, and exports ONNX that matches it', async () => {
    const config = await tiny('run');
    const result = await train(config, { progress: false });
    const evals = JsonlLog.read(runFiles(result.out).log).filter((r) => r.event === 'eval');
    expect(evals.map((e) => e.step)).toEqual([2, 4]);
    for (const e of evals) {
      expect(e.psnrFull).toBeGreaterThan(5);
      expect(e.ssimBudget).toBeLessThanOrEqual(1);
      expect(e.codebookUsed).toBeGreaterThanOrEqual(1);
      expect(e.codebookPerplexity).toBeGreaterThanOrEqual(1);
    }
    const model = await loadTokenizer(join(result.out, 'tokenizer.safetensors'));
    expect(model.config.downsample).toEqual([2, 8, 8]);
    const onnx = await VideoTokenizer.load(
      result.exported['tokenizer-encoder.onnx'],
      result.exported['tokenizer-decoder.onnx'],
    );
    const source = synth4dSource(config);
    const clips = [await source.clip(0), await source.clip(1)];
    await source.close?.();
    const x = stackClips(clips);
    const viaOnnx = await onnx.encode({
      data: x.dataSync() as Float32Array,
      shape: x.shape as [number, number, number, number, number],
    });
    const viaTfjs = tf.tidy(() => Array.from(model.reconstruct(x).ids.dataSync()));
    expect(Array.from(viaOnnx.ids)).toEqual(viaTfjs);
    expect(viaOnnx.ids).toHaveLength(2 * 8);
    x.dispose();
    model.dispose();
    await onnx.dispose();
  });

  it('resumes exactly', async () => {
    const full = await train(await tiny('full'), { progress: false });
    const cut = await tiny('cut');
    const first = await train(cut, { progress: false, maxStepsThisRun: 2 });
    const second = await train(cut, { progress: false, resume: true });
    expect([...first.losses, ...second.losses]).toEqual(full.losses);
  });
});
