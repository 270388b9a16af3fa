import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError, ShapeError } from '@vfmkit/core';
import { initBackend } from '@vfmkit/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeVariant, initVitWeights, loadVitCheckpoint, patchify, saveVitCheckpoint } from '../src/index';
import { exportVitOnnx, positionTable, VideoEncoder } from '../src/onnx/index';
import { encoderPositions, VitModel } from '../src/tfjs/index';
import { randomClips, relErr } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'vfm-vit-'));
beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: null });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = decodeVariant('nano/8', { frames: 4, imageSize: [16, 16], posEmbed: 'separable' });
const weights = initVitWeights(config, 1, { std: 0.2 });

describe('positions in the models', () => {
  it('the training grid uses the stored tables unchanged (exact no-op) in tfjs and in the export', async () => {
    const learned = decodeVariant('nano/8', { frames: 4, imageSize: [16, 16], posEmbed: 'learned' });
    const w = initVitWeights(learned, 2);
    const model = VitModel.create(learned, w);
    const grid = { t: 2, h: 2, w: 2 };
    const pos = encoderPositions(model.params, learned, grid);
    expect(pos).toBe(model.params.get('pos_embed'));
    expect(positionTable(learned, w, grid)).toEqual(w.get('pos_embed')?.data);
    model.dispose();
  });

  it('separable tables: time row + space row at every token', () => {
    const table = positionTable(config, weights, { t: 2, h: 2, w: 2 });
    const time = weights.get('pos_embed_time')?.data as Float32Array;
    const space = weights.get('pos_embed_space')?.data as Float32Array;
    const d = 64;
    // token (t=1, h=1, w=0) = index 1*4 + 1*2 + 0 = 6; space index 2
    for (let j = 0; j < d; j++) expect(table[6 * d + j]).toBe(Math.fround(time[d + j] + space[2 * d + j]));
  });
});

describe('patchify', () => {
  it('orders tokens t-major and each row (dt, dy, dx, c)', () => {
    const shape = [1, 4, 4, 4, 2] as const;
    const clips = Float32Array.from({ length: 128 }, (_, i) => i);
    const rows = patchify(clips, shape, [2, 2, 2]);
    // token (t=1, h=0, w=1) = 1*4 + 0*2 + 1 = 5; element (dt=1, dy=0, dx=1, c=1) = 1*8 + 0*4 + 1*2 + 1 = 11
    // pixel (T=3, H=0, W=3, C=1) = ((3*4 + 0)*4 + 3)*2 + 1
    expect(rows[5 * 16 + 11]).toBe(((3 * 4 + 0) * 4 + 3) * 2 + 1);
  });
});

describe('checkpoints', () => {
  it('round-trips weights and config through safetensors', async () => {
    const path = join(dir, 'vit.safetensors');
    await saveVitCheckpoint(path, config, weights);
    const back = await loadVitCheckpoint(path);
    expect(back.config).toEqual(config);
    expect(back.weights.get('blocks.1.mlp.fc2.weight')?.data).toEqual(
      weights.get('blocks.1.mlp.fc2.weight')?.data,
    );
  });
  it('names a missing weight', async () => {
    const partial = new Map(weights);
    partial.delete('blocks.0.norm2.bias');
    await expect(saveVitCheckpoint(join(dir, 'bad.safetensors'), config, partial)).rejects.toThrow(
      CheckpointError,
    );
    expect(() => VitModel.create(config, partial)).toThrow(/blocks\.0\.norm2\.bias/);
  });
});

describe('VideoEncoder', () => {
  it('embeds long videos by windows (mean and attention aggregation)', async () => {
    const enc = await VideoEncoder.load(exportVitOnnx(config, weights), { device: 'cpu' });
    expect(enc.provider).toBe('cpu');
    const video = randomClips([2, 10, 16, 16, 3], 4);
    const mean = await enc.embedLong(video, { stride: 4 });
    expect(mean.starts).toEqual([0, 4, 6]);
    // window 1 of clip 1 equals embedding frames 4..7 of that clip alone
    const frame = 16 * 16 * 3;
    const one = await enc.embed({
      data: video.data.slice((10 + 4) * frame, (10 + 8) * frame),
      shape: [1, 4, 16, 16, 3],
    });
    expect(relErr(mean.windows.subarray((3 + 1) * 64, (3 + 2) * 64), one.pooled)).toBeLessThan(1e-5);
    for (let j = 0; j < 64; j++) {
      const avg = (mean.windows[3 * 64 + j] + mean.windows[4 * 64 + j] + mean.windows[5 * 64 + j]) / 3;
      expect(mean.pooled[64 + j]).toBeCloseTo(avg, 5);
    }
    const att = await enc.embedLong(video, { stride: 4, aggregate: 'attention' });
    expect(att.weights[0] + att.weights[1] + att.weights[2]).toBeCloseTo(1, 6);
    expect(Math.max(...att.weights.subarray(0, 3))).toBeGreaterThan(Math.min(...att.weights.subarray(0, 3)));
    await expect(enc.embed(randomClips([1, 4, 8, 16, 3], 1))).rejects.toThrow(ShapeError);
    await expect(enc.embed(randomClips([1, 4, 16, 16, 3], 1), { visible: Int32Array.of(1) })).rejects.toThrow(
      ShapeError,
    );
    await enc.dispose();
  });

  it('rejects ONNX models without encoder metadata', async () => {
    const { GraphBuilder } = await import('@vfmkit/onnx');
    const g = new GraphBuilder();
    g.output(g.unary('Identity', g.input('x', 'float32', [1])), 'float32', { name: 'y' });
    await expect(VideoEncoder.load(g.toBuffer())).rejects.toThrow(/metadata/);
  });

  it('the tfjs model rejects out-of-range visible ids and layers', () => {
    const model = VitModel.create(config, weights);
    const clips = randomClips([1, 4, 16, 16, 3], 1);
    expect(() => model.forward(clips, { visible: Int32Array.of(0, 8) })).toThrow(ShapeError);
    expect(() => model.forward(clips, { layers: [2] })).toThrow(ShapeError);
    expect(() => model.forward(randomClips([1, 3, 16, 16, 3], 1))).toThrow(/multiple/);
    model.dispose();
  });
});
