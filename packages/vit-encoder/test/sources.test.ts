import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, type Tensor, writeSafetensors } from '@vfmkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HfVideoMaeConfig, loadVideoMae, saveVitCheckpoint, type VitConfig } from '../src/index';
import type { NamedWeights } from '../src/named-weights';
import {
  EncoderSourceError,
  loadEncoderWeights,
  OnnxOnlyEncoderError,
  resolveEncoderSource,
  VideoEncoder,
  writeVitOnnx,
} from '../src/onnx/index';
import { randomClips, relErr } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'vfm-vit-sources-'));
const cacheDir = join(dir, 'cache');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A tiny Hugging Face VideoMAE (`VideoMAEModel` layout, PyTorch shapes): 4 x 16 x 16, width 32, depth 2. */
const hf: HfVideoMaeConfig & { model_type: string } = {
  model_type: 'videomae',
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  intermediate_size: 64,
  hidden_act: 'gelu',
  patch_size: 8,
  tubelet_size: 2,
  num_frames: 4,
  image_size: 16,
  num_channels: 3,
  qkv_bias: true,
};

function hfTensors(seed: number): Record<string, Tensor> {
  const rng = new Rng(seed);
  const d = 32;
  const out: Record<string, Tensor> = {};
  const add = (name: string, shape: number[], scale = 0.15, offset = 0) => {
    const n = shape.reduce((a, b) => a * b, 1);
    out[name] = {
      dtype: 'F32',
      shape,
      data: Float32Array.from({ length: n }, () => offset + rng.normal(0, scale)),
    };
  };
  add('embeddings.patch_embeddings.projection.weight', [d, 3, 2, 8, 8], 0.05);
  add('embeddings.patch_embeddings.projection.bias', [d]);
  for (let i = 0; i < 2; i++) {
    const l = `encoder.layer.${i}`;
    for (const part of ['query', 'key', 'value']) add(`${l}.attention.attention.${part}.weight`, [d, d]);
    add(`${l}.attention.attention.q_bias`, [d]);
    add(`${l}.attention.attention.v_bias`, [d]);
    add(`${l}.attention.output.dense.weight`, [d, d]);
    add(`${l}.attention.output.dense.bias`, [d]);
    add(`${l}.layernorm_before.weight`, [d], 0.1, 1);
    add(`${l}.layernorm_before.bias`, [d]);
    add(`${l}.intermediate.dense.weight`, [64, d]);
    add(`${l}.intermediate.dense.bias`, [64]);
    add(`${l}.output.dense.weight`, [d, 64]);
    add(`${l}.output.dense.bias`, [d]);
    add(`${l}.layernorm_after.weight`, [d], 0.1, 1);
    add(`${l}.layernorm_after.bias`, [d]);
  }
  return out;
}

const paths = {
  hfDir: join(dir, 'videomae'),
  hfFile: join(dir, 'videomae', 'model.safetensors'),
  vit: join(dir, 'vit.safetensors'),
  run: join(dir, 'run'),
  interrupted: join(dir, 'interrupted'),
  onnx: join(dir, 'encoder.onnx'),
};
let config: VitConfig;
let weights: NamedWeights;

beforeAll(async () => {
  // One set of weights written as every kind of source.
  mkdirSync(paths.hfDir);
  await writeSafetensors(paths.hfFile, hfTensors(7));
  writeFileSync(join(paths.hfDir, 'config.json'), JSON.stringify(hf));
  ({ config, weights } = await loadVideoMae(paths.hfFile, hf));
  await saveVitCheckpoint(paths.vit, config, weights);
  // a finished vfm-train run: encoder.safetensors + encoder.onnx (the trainer exports with matmul attention)
  mkdirSync(paths.run);
  await saveVitCheckpoint(join(paths.run, 'encoder.safetensors'), config, weights);
  await writeVitOnnx(join(paths.run, 'encoder.onnx'), config, weights, { attention: 'matmul' });
  writeFileSync(join(paths.run, 'config.json'), '{"recipe":"mae"}');
  // an interrupted run: weights, no export yet
  mkdirSync(paths.interrupted);
  copyFileSync(join(paths.run, 'encoder.safetensors'), join(paths.interrupted, 'encoder.safetensors'));
  await writeVitOnnx(paths.onnx, config, weights);
});

describe('VideoEncoder.load from any source', () => {
  it('a run folder, an interrupted run, a vit checkpoint, a VideoMAE checkpoint (file or folder) and an ONNX file embed alike', async () => {
    const clips = randomClips([2, 4, 16, 16, 3], 3);
    const sources = [paths.onnx, paths.run, paths.interrupted, paths.vit, paths.hfFile, paths.hfDir];
    const kinds: string[] = [];
    const tokens: Float32Array[] = [];
    const pooled: Float32Array[] = [];
    for (const path of sources) {
      const encoder = await VideoEncoder.load(path, { cacheDir, device: 'cpu', threads: 1 });
      kinds.push(encoder.source?.kind ?? '');
      const e = await encoder.embed(clips);
      expect(e.dims).toEqual([2, 8, 32]);
      tokens.push(e.tokens);
      pooled.push(e.pooled);
      await encoder.dispose();
    }
    expect(kinds).toEqual(['onnx', 'run', 'run', 'vit-checkpoint', 'videomae', 'videomae']);
    for (let i = 1; i < sources.length; i++) {
      expect(relErr(tokens[i], tokens[0])).toBeLessThan(1e-5);
      expect(relErr(pooled[i], pooled[0])).toBeLessThan(1e-5);
    }
    // the tokens are not all alike (a broken graph giving constants would pass the parity above)
    expect(Math.abs(tokens[0][0] - tokens[0][32 * 3 + 5])).toBeGreaterThan(1e-3);
  });

  it("uses a run's own encoder.onnx, exports an interrupted run into the cache once, by content hash", async () => {
    const run = await resolveEncoderSource(paths.run, { cacheDir });
    expect(run.onnx).toBe(join(paths.run, 'encoder.onnx'));
    expect(run.checkpoint).toBe(join(paths.run, 'encoder.safetensors'));
    const fresh = join(dir, 'cache-2');
    const first = await resolveEncoderSource(paths.interrupted, { cacheDir: fresh });
    expect(first.exported).toBe(true);
    expect(first.onnx.startsWith(fresh)).toBe(true);
    expect(existsSync(join(paths.interrupted, 'encoder.onnx'))).toBe(false); // the run is left as it is
    const again = await resolveEncoderSource(paths.interrupted, { cacheDir: fresh });
    expect(again.exported).toBe(false);
    expect(again.onnx).toBe(first.onnx);
    // the same weights under another path share the export (content hash, not path)
    const vit = await resolveEncoderSource(paths.vit, { cacheDir: fresh });
    expect(vit.hash).toBe(first.hash);
    expect(vit.onnx).toBe(first.onnx);
    // other weights, another export
    const other = join(dir, 'other.safetensors');
    const changed: NamedWeights = new Map(weights);
    const w = weights.get('patch_embed.bias') as { shape: readonly number[]; data: Float32Array };
    changed.set('patch_embed.bias', { shape: w.shape, data: w.data.map((v) => v + 1) });
    await saveVitCheckpoint(other, config, changed);
    const o = await resolveEncoderSource(other, { cacheDir: fresh });
    expect(o.hash).not.toBe(first.hash);
    expect(o.onnx).not.toBe(first.onnx);
    // asking for layers the run's export lacks exports them from its weights
    const layered = await resolveEncoderSource(paths.run, { cacheDir: fresh, layers: [0, 1] });
    expect(layered.onnx.startsWith(fresh)).toBe(true);
    const enc = await VideoEncoder.load(paths.run, { cacheDir: fresh, layers: [0, 1], device: 'cpu' });
    expect([...enc.meta.layers]).toEqual([0, 1]);
    await enc.dispose();
    // layers as a function of the config: the last block
    const last = await resolveEncoderSource(paths.vit, { cacheDir: fresh, layers: (c) => [c.depth - 1] });
    const lastEnc = await VideoEncoder.load(last.onnx, { device: 'cpu' });
    expect([...lastEnc.meta.layers]).toEqual([1]);
    await lastEnc.dispose();
    // one graph for any clip size: the run's fixed-size export does not serve, the weights are exported so
    const [T, H, W] = [config.frames, config.imageSize[0], config.imageSize[1]];
    const anySize = await resolveEncoderSource(paths.run, {
      cacheDir: fresh,
      maxClip: [2 * T, 2 * H, 2 * W],
    });
    expect(anySize.onnx.startsWith(fresh)).toBe(true);
    const anyEnc = await VideoEncoder.load(anySize.onnx, { device: 'cpu' });
    expect(anyEnc.meta.maxClip).toEqual([2 * T, 2 * H, 2 * W]);
    expect(anyEnc.clipSizes.dynamic).toBe(true);
    await anyEnc.dispose();
  });

  it('gives the weights of every source that has them, and a typed error for ONNX only', async () => {
    for (const path of [paths.run, paths.interrupted, paths.vit, paths.hfFile]) {
      const got = await loadEncoderWeights(await resolveEncoderSource(path, { cacheDir }));
      expect(got.config).toEqual(config);
      expect(got.weights.get('blocks.1.attn.qkv.weight')?.data).toEqual(
        weights.get('blocks.1.attn.qkv.weight')?.data,
      );
    }
    const onnxOnly = await resolveEncoderSource(paths.onnx, { cacheDir });
    expect(onnxOnly.checkpoint).toBeUndefined();
    await expect(loadEncoderWeights(onnxOnly)).rejects.toThrow(OnnxOnlyEncoderError);
    await expect(loadEncoderWeights(onnxOnly)).rejects.toThrow(/frozen/);
  });

  it('names what is wrong with a path that is no encoder', async () => {
    const bad = (p: string) => resolveEncoderSource(p, { cacheDir });
    await expect(bad(join(dir, 'nope'))).rejects.toThrow(EncoderSourceError);
    await expect(bad(join(dir, 'nope'))).rejects.toThrow(/does not exist/);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    await expect(bad(empty)).rejects.toThrow(/neither encoder.safetensors/);
    const stale = join(dir, 'stale-run');
    mkdirSync(stale);
    await writeSafetensors(join(stale, 'checkpoint.safetensors'), hfTensors(1));
    await expect(bad(stale)).rejects.toThrow(/training state/);
    // a run's training state given instead of the run: the error names the run folder to give
    const state = join(paths.run, 'checkpoint.safetensors');
    await writeSafetensors(state, hfTensors(2), { step: '10' });
    await expect(bad(state)).rejects.toThrow(
      `is a vfm-train training state; pass the run folder ${paths.run} instead`,
    );
    const bare = join(dir, 'bare', 'weights.safetensors');
    mkdirSync(join(dir, 'bare'));
    await writeSafetensors(bare, hfTensors(1));
    await expect(bad(bare)).rejects.toThrow(/no 'vit_config' metadata/);
    const notOnnx = join(dir, 'junk.onnx');
    writeFileSync(notOnnx, 'not a model');
    await expect(bad(notOnnx)).rejects.toThrow(EncoderSourceError);
    writeFileSync(join(dir, 'x.txt'), 'hello');
    await expect(bad(join(dir, 'x.txt'))).rejects.toThrow(/is not a run folder/);
    // a truncated checkpoint is named, not silently skipped
    const cut = join(dir, 'cut.safetensors');
    writeFileSync(cut, new Uint8Array(4));
    await expect(bad(cut)).rejects.toThrow(/not a readable safetensors/);
  });
});
