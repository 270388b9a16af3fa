import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@vfmkit/core';
import { encoderMaskBatch } from '@vfmkit/masking';
import { initBackend, tf } from '@vfmkit/nn';
import { loadVitCheckpoint, parseVitConfig } from '@vfmkit/vit-encoder';
import { MaeModel } from '@vfmkit/vit-encoder/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TrainConfig, trainConfigSchema } from '../src/config/schema';
import { closeLvmaeTokenizers, lvmaeRecipe } from '../src/recipes/lvmae';
import { lvmaeBatch, lvmaeDecoderMask } from '../src/recipes/lvmae-batch';
import { LvmaeGridError, parseLvmaeConfig } from '../src/recipes/lvmae-config';
import { JsonlLog } from '../src/run/jsonl-log';
import { runFiles, train } from '../src/train/train';
import { writeTokenizerRun } from './lvmae-fixture';

const root = mkdtempSync(join(tmpdir(), 'vfm-lvmae-'));
let tok8 = '';
let tok64 = '';
beforeAll(async () => {
  await initBackend();
  tok8 = await writeTokenizerRun(join(root, 'tok8'), 8, 16);
  tok64 = await writeTokenizerRun(join(root, 'tok64'), 64, 16);
});
afterAll(() => {
  closeLvmaeTokenizers();
  rmSync(root, { recursive: true, force: true });
});

/** A nano LVMAE on `frames` x 16 x 16 clips: tubelets 2 x 8 x 8, so (frames / 2) x 2 x 2 tokens. */
function tiny(name: string, frames: number, extra: Partial<TrainConfig> = {}): TrainConfig {
  return trainConfigSchema.parse({
    recipe: 'lvmae',
    out: join(root, name),
    steps: 6,
    batchSize: 2,
    frames,
    size: 16,
    augment: [],
    data: { source: 'synth4d', task: 'actions', size: 2 },
    masking: { encoder: { kind: 'random', ratio: 0.5 } },
    model: { variant: 'nano/8', tubeletFrames: 2 },
    decoder: { width: 32, depth: 1, heads: 2 },
    optim: { lr: 3e-3, warmupSteps: 2, minLr: 1e-4, weightDecay: 0, beta1: 0.9, beta2: 0.95 },
    lvmae: { tokenizer: frames === 64 ? tok64 : tok8, decoder: 'adaptive', budget: 0.25, target: 'tokens' },
    checkpointEvery: 3,
    exportOnnx: false,
    pictures: false,
    ...extra,
  });
}

describe('LVMAE decoder masks', () => {
  const grid = { t: 4, h: 2, w: 2 }; // N = 16
  // A hand-built priority map per clip (distinct values), and the encoder's hidden tokens.
  const priority = new Float32Array([
    // clip 0
    0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.6, 0.4, 0.5, 0.05, 0.95, 0.15, 0.85, 0.25, 0.75, 0.35,
    // clip 1: reversed
    0.35, 0.75, 0.25, 0.85, 0.15, 0.95, 0.05, 0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.1, 0.9,
  ]);

  it('adaptive keeps exactly the top round(budget x N) priorities among the hidden tokens', () => {
    const enc = encoderMaskBatch(2, grid, { kind: 'random', ratio: 0.5 }, new Rng(5));
    const decode = lvmaeDecoderMask(enc, 'adaptive', 0.25, priority, new Rng(1));
    expect(decode).toHaveLength(2 * 4);
    for (let b = 0; b < 2; b++) {
      const hidden: number[] = [];
      for (let i = 0; i < 16; i++) if (enc.hidden[b * 16 + i] === 1) hidden.push(i);
      expect(hidden).toHaveLength(8);
      const expected = hidden
        .sort((x, y) => priority[b * 16 + y] - priority[b * 16 + x])
        .slice(0, 4)
        .sort((x, y) => x - y);
      expect(Array.from(decode.subarray(b * 4, b * 4 + 4))).toEqual(expected);
    }
  });

  it('a fully hand-worked case: every token hidden but one, top 3 of 16', () => {
    const enc = encoderMaskBatch(1, grid, { kind: 'random', ratio: 0.9375 }, new Rng(2)); // 15 hidden
    const visible = enc.keep[0];
    const p = priority.subarray(0, 16);
    // By hand: the top priorities of clip 0 are 0.95 (token 10), 0.9 (0), 0.85 (12), 0.8 (2).
    const top = [10, 0, 12, 2].filter((i) => i !== visible).slice(0, 3);
    const decode = lvmaeDecoderMask(enc, 'adaptive', 3 / 16, new Float32Array(p), new Rng(1));
    expect(Array.from(decode)).toEqual(top.sort((x, y) => x - y));
  });

  it('random, uniform and running-cell spend the same budget on distinct hidden tokens', () => {
    const enc = encoderMaskBatch(2, grid, { kind: 'tube', ratio: 0.5 }, new Rng(9));
    for (const kind of ['random', 'uniform', 'running-cell'] as const) {
      const decode = lvmaeDecoderMask(enc, kind, 0.25, null, new Rng(3));
      expect(decode, kind).toHaveLength(8);
      for (let b = 0; b < 2; b++) {
        const row = Array.from(decode.subarray(b * 4, b * 4 + 4));
        expect(new Set(row).size, kind).toBe(4);
        for (const i of row) expect(enc.hidden[b * 16 + i], `${kind} token ${i}`).toBe(1);
      }
    }
  });

  it('the batch carries every token id; the decoded ones line up with the selected tokens', () => {
    const config = tiny('unused', 8);
    const lv = parseLvmaeConfig({ tokenizer: 'x', budget: 0.25 });
    const clip = { data: new Float32Array(8 * 16 * 16 * 3), shape: [8, 16, 16, 3] as const };
    const ids = (b: number) => Int32Array.from({ length: 16 }, (_, i) => 100 * b + i);
    const tokens = [0, 1].map((b) => ({ ids: ids(b), priorities: priority.slice(b * 16, b * 16 + 16) }));
    const { batch, masks } = lvmaeBatch([clip, clip], tokens, grid, config, lv, new Rng(4));
    expect(batch.tokenIds.shape).toEqual([2, 16]);
    expect(batch.decode.shape).toEqual([2, 4]);
    for (let b = 0; b < 2; b++)
      for (let j = 0; j < 4; j++) {
        const token = masks.decode[b * 4 + j];
        expect(batch.tokenIds.data[b * 16 + token]).toBe(100 * b + token);
        expect(masks.hidden[b * 16 + token]).toBe(1);
      }
  });

  it('rejects a tokenizer whose grid is not the ViT grid, and a missing tokenizer', async () => {
    const wrong = await writeTokenizerRun(join(root, 'tok-4x4'), 8, 16, { downsample: [2, 4, 4] });
    const config = tiny('wrong', 8, { lvmae: { tokenizer: wrong } });
    expect(() => lvmaeRecipe.spec(config)).toThrow(LvmaeGridError);
    expect(() => lvmaeRecipe.spec(config)).toThrow(
      /downsample \[2,4,4\] differs from the ViT tubelet \[2,8,8\]/,
    );
    expect(() => lvmaeRecipe.spec(tiny('clip', 8, { frames: 16 }))).toThrow(/clips \[8,16,16\]/);
    expect(() => parseLvmaeConfig({ target: 'tokens' })).toThrow(/lvmae.tokenizer/);
    expect(() => parseLvmaeConfig({ tokenizer: 'x', decoder: 'best' })).toThrow(/decoder/);
  });
});

describe('token-id loss', () => {
  it('equals a float64 cross-entropy over the decoded tokens', () => {
    const mae = MaeModel.create(
      parseVitConfig({
        frames: 4,
        imageSize: [16, 16],
        tubelet: [2, 8, 8],
        width: 16,
        depth: 1,
        heads: 2,
        mlpDim: 32,
      }),
      { width: 16, depth: 1, heads: 2, target: 'tokens', vocabSize: 7 },
      { encoder: 3, decoder: 4 },
    );
    const data = new Float32Array(2 * 4 * 16 * 16 * 3);
    for (let i = 0; i < data.length; i++) data[i] = (Math.sin(i * 0.37) + 1) / 2;
    const clips = { data, shape: [2, 4, 16, 16, 3] as [number, number, number, number, number] };
    const masks = { visible: new Int32Array([0, 3, 1, 2]), decode: new Int32Array([5, 1, 6, 7, 0, 4]) }; // N = 8
    const tokenIds = new Int32Array([6, 0, 1, 2, 3, 4, 5, 6, 1, 1, 2, 2, 3, 3, 4, 4]);
    const logits = tf.tidy(() => Array.from(mae.predict(clips, masks).dataSync()));
    let ce = 0;
    for (let i = 0; i < 6; i++) {
      const row = logits.slice(i * 7, i * 7 + 7);
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
      const label = tokenIds[Math.floor(i / 3) * 8 + masks.decode[i]];
      ce += lse - row[label];
    }
    ce /= 6;
    const loss = tf.tidy(() => mae.loss(clips, masks, { tokenIds }).dataSync()[0]);
    expect(Math.abs(loss - ce)).toBeLessThan(1e-5);
    expect(ce).toBeGreaterThan(1);
    mae.dispose();
  });
});

describe('vfm-train lvmae', () => {
  it('halves the loss of a 64-frame nano LVMAE on a fixed batch, and exports its encoder', async () => {
    const base = tiny('overfit', 64, { steps: 40, exportOnnx: true, checkpointEvery: 40 });
    const config = {
      ...base,
      data: { ...base.data, size: 1 },
      masking: { ...base.masking, encoder: { kind: 'random' as const, ratio: 0.75 } },
      lvmae: { ...base.lvmae, budget: 0.15 },
      optim: { ...base.optim, lr: 1e-2 },
    };
    const result = await train(config, { progress: false });
    const first = result.losses.slice(0, 3).reduce((a, b) => a + b.loss, 0) / 3;
    const last = result.losses.slice(-3).reduce((a, b) => a + b.loss, 0) / 3;
    expect(first).toBeGreaterThan(5); // ~ ln(1000): the codebook of FSQ [8, 5, 5, 5]
    expect(last).toBeLessThan(first / 2);
    const files = runFiles(result.out);
    const [evaluation] = JsonlLog.read(files.log).filter((r) => r.event === 'eval');
    expect(evaluation.step).toBe(40);
    expect(evaluation.heldOutLoss).toBeGreaterThan(0);
    expect(evaluation.heldOutTop1).toBeTypeOf('number');
    const { config: vit } = await loadVitCheckpoint(files.encoder);
    expect(vit.frames).toBe(64);
    expect(existsSync(files.onnx)).toBe(true);
  }, 60_000);

  it('resumes exactly', async () => {
    const full = await train(tiny('full', 8), { progress: false });
    const cut = tiny('cut', 8);
    const first = await train(cut, { progress: false, maxStepsThisRun: 4 });
    const second = await train(cut, { progress: false, resume: true });
    expect([...first.losses, ...second.losses]).toEqual(full.losses);
  }, 60_000);

  it('predicts LFQ ids bit by bit (binary cross-entropy per bit)', async () => {
    const lfq = await writeTokenizerRun(join(root, 'tok-lfq'), 8, 16, {
      quantizer: { kind: 'lfq', bits: 6 },
    });
    const config = tiny('lfq', 8, { steps: 3, pictures: true, lvmae: { tokenizer: lfq, budget: 0.25 } });
    const spec = lvmaeRecipe.spec(config);
    expect(spec.decoder).toMatchObject({ target: 'bits', bits: 6 });
    const result = await train(config, { progress: false });
    // 6 bits of an untrained head: about ln 2 per bit
    expect(result.losses[0].loss).toBeGreaterThan(0.4);
    expect(result.losses[0].loss).toBeLessThan(1.2);
    const [evaluation] = JsonlLog.read(runFiles(result.out).log).filter((r) => r.event === 'eval');
    expect(evaluation.heldOutBitAccuracy).toBeTypeOf('number');
    expect(evaluation.heldOutTop1).toBeUndefined();
    // the predicted bits decoded by the tokenizer, drawn beside the input
    expect(readFileSync(result.pictures['reconstruction.png']).subarray(1, 4).toString()).toBe('PNG');
  });

  it('trains the pixel-target ablation with a running-cell decoder and no tokenizer', async () => {
    const config = tiny('pixels', 8, {
      steps: 3,
      pictures: true,
      lvmae: { decoder: 'running-cell', budget: 0.25, target: 'pixels' },
    });
    const result = await train(config, { progress: false });
    expect(readFileSync(result.pictures['reconstruction.png']).subarray(1, 4).toString()).toBe('PNG');
    expect(result.losses).toHaveLength(3);
    for (const l of result.losses) expect(Number.isFinite(l.loss)).toBe(true);
  });
});
