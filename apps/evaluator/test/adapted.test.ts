import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synth4dTaskHead, type TaskGeometry } from '@vfmkit/probes';
import { ProbeHead } from '@vfmkit/probes/tfjs';
import { renderSample, splitSeed, taskConfig } from '@vfmkit/synth4d';
import { decodeVariant, initVitWeights, saveVitCheckpoint } from '@vfmkit/vit-encoder';
import { writeVitOnnx } from '@vfmkit/vit-encoder/onnx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../src/evaluate';

let dir: string;
let onnx: string;
let ckpt: string;
// A tiny video ViT: 4 frames of 32 x 32, tubelets 2 x 8 x 8 (32 tokens), width 64.
const config = decodeVariant('nano/8', { frames: 4, imageSize: [32, 32], exposeLayers: [0] });
const weights = initVitWeights(config, 5);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vfm-eval-adapted-'));
  ckpt = join(dir, 'tiny.safetensors');
  await saveVitCheckpoint(ckpt, config, weights);
  onnx = join(dir, 'tiny.onnx');
  await writeVitOnnx(onnx, config, weights);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('adapter and e2e methods', () => {
  it('train the backbone of a safetensors checkpoint and note ONNX-only encoders', async () => {
    const out = join(dir, 'report');
    const report = await evaluate({
      encoders: [
        { name: 'ckpt', path: ckpt },
        { name: 'onnx', path: onnx },
      ],
      tasks: ['pose'],
      adaptations: ['adapter', 'e2e'],
      trainClips: 8,
      testClips: 4,
      steps: 5,
      batchSize: 4,
      out,
      threads: 1,
    });
    expect(report.results).toHaveLength(4);
    const e = report.encoders[0];
    const geometry: TaskGeometry = {
      grid: e.grid,
      frames: e.clip[0],
      height: e.clip[1],
      width: e.clip[2],
      featureWidth: e.width,
      layers: 1,
    };
    const task = synth4dTaskHead('pose');
    const samples = [
      renderSample(
        taskConfig('pose', { frames: e.clip[0], height: e.clip[1], width: e.clip[2] }),
        splitSeed('train', 0),
      ),
    ];
    const head = ProbeHead.create(task.headConfig('attentive', geometry, samples), 0);
    const headParams = head.cost(0).trainableParams;
    // By hand: LoRA rank 8 on qkv adds A [8, D] and B [3D, 8] per block; finetuning trains every weight.
    const D = config.width;
    const encoderShare = {
      adapter: config.depth * 8 * (D + 3 * D),
      e2e: [...weights.values()].reduce((a, w) => a + w.data.length, 0),
    };
    try {
      for (const method of ['adapter', 'e2e'] as const) {
        const row = report.results.find((r) => r.method === method && r.encoder === 'ckpt');
        expect(row?.metrics?.[0].name).toBe(task.headline);
        expect(row?.metrics?.every((m) => Number.isFinite(m.value))).toBe(true);
        const headline = row?.metrics?.[0].value as number;
        expect(row?.score).toBeCloseTo(100 * headline, 10);
        expect(row?.trainSeconds).toBeGreaterThan(0);
        expect(row?.trainableParams).toBe(encoderShare[method] + headParams);
        // By hand: the encoder runs 4,194,304 MACs per clip (probes' adapt.test.ts works them out),
        // LoRA rank 8 on qkv 2 blocks x 32 tokens x 8 x (64 + 192) = 131,072; 2 FLOPs per MAC.
        const headGflops = head.cost(0).trainableGflops;
        const adapterGflops = method === 'adapter' ? (2 * 131_072) / 1e9 : 0;
        const trained = method === 'adapter' ? adapterGflops : (2 * 4_194_304) / 1e9;
        expect(row?.trainableGflops).toBeCloseTo(trained + headGflops, 15);
        expect(row?.inferenceGflops).toBeCloseTo((2 * 4_194_304) / 1e9 + adapterGflops + headGflops, 15);
        const note = report.results.find((r) => r.method === method && r.encoder === 'onnx');
        expect(note?.metrics).toBeNull();
        expect(note?.trainableParams).toBeNull();
        expect(note?.note).toMatch(/ONNX only: it runs frozen/);
      }
    } finally {
      head.dispose();
    }
    expect(Object.keys(report.vgs.models.ckpt.methods).sort()).toEqual(['adapter', 'e2e']);
    expect(report.vgs.models.onnx).toBeUndefined();
    expect(report.vgs.unscored.onnx).toBe('no score for methods adapter, e2e');
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('### adapter');
    expect(md).toContain('### e2e');
    expect(md).toContain('No VGS for onnx');
  });
});
