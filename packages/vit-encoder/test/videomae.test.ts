import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError, Rng, type Tensor, writeSafetensors } from '@vfmkit/core';
import { initBackend, tf } from '@vfmkit/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HfVideoMaeConfig,
  importVideoMae,
  isVideoMaePretrainingTensor,
  loadVideoMae,
  sincosTable,
  UnusedWeightsError,
  VIDEOMAE_KEY_MAP,
  videoMaeConfig,
} from '../src/index';
import { exportVitOnnx, VideoEncoder } from '../src/onnx/index';
import { VitModel } from '../src/tfjs/index';
import { hasPython, randomClips, relErr, TORCH_PYTHON } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'vfm-videomae-'));
beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: null });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base: HfVideoMaeConfig = {
  hidden_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 128,
  hidden_act: 'gelu',
  patch_size: 8,
  tubelet_size: 2,
  num_frames: 4,
  image_size: 16,
  num_channels: 3,
  qkv_bias: true,
  layer_norm_eps: 1e-12,
};

/** Random tensors in the Hugging Face VideoMAE layout (PyTorch shapes). */
function hfCheckpoint(
  c: HfVideoMaeConfig,
  options: { prefix: string; classes?: number; small?: boolean },
): Record<string, Tensor> {
  // `small`: tiny residual-stream activations, so the pooled features have a variance near 1e-4 and
  // fc_norm's epsilon (1e-5 in Hugging Face, not layer_norm_eps) changes the output by percents.
  const s = options.small ? 0.005 : 1;
  const rng = new Rng(42);
  const d = c.hidden_size as number;
  const m = c.intermediate_size as number;
  const out: Record<string, Tensor> = {};
  const add = (name: string, shape: number[], scale = 0.15, offset = 0) => {
    const n = shape.reduce((a, b) => a * b, 1);
    out[name] = {
      dtype: 'F32',
      shape,
      data: Float32Array.from({ length: n }, () => offset + rng.normal(0, scale)),
    };
  };
  const p = options.prefix;
  add(`${p}embeddings.patch_embeddings.projection.weight`, [d, 3, 2, 8, 8], 0.05 * s);
  add(`${p}embeddings.patch_embeddings.projection.bias`, [d], 0.15 * s);
  if (options.small) {
    // cancel the mean of the fixed positions (8 tokens), so the pooled features are near zero
    const pos = sincosTable(8, d);
    const bias = out[`${p}embeddings.patch_embeddings.projection.bias`].data as Float32Array;
    for (let j = 0; j < d; j++) for (let i = 0; i < 8; i++) bias[j] -= pos[i * d + j] / 8;
  }
  for (let i = 0; i < (c.num_hidden_layers as number); i++) {
    const l = `${p}encoder.layer.${i}`;
    for (const part of ['query', 'key', 'value']) add(`${l}.attention.attention.${part}.weight`, [d, d]);
    add(`${l}.attention.attention.q_bias`, [d]);
    add(`${l}.attention.attention.v_bias`, [d]);
    add(`${l}.attention.output.dense.weight`, [d, d], 0.15 * s);
    add(`${l}.attention.output.dense.bias`, [d], 0.15 * s);
    add(`${l}.layernorm_before.weight`, [d], 0.1, 1);
    add(`${l}.layernorm_before.bias`, [d]);
    add(`${l}.intermediate.dense.weight`, [m, d]);
    add(`${l}.intermediate.dense.bias`, [m]);
    add(`${l}.output.dense.weight`, [d, m], 0.15 * s);
    add(`${l}.output.dense.bias`, [d], 0.15 * s);
    add(`${l}.layernorm_after.weight`, [d], 0.1, 1);
    add(`${l}.layernorm_after.bias`, [d]);
  }
  if (options.classes) {
    add('fc_norm.weight', [d], 0.1, 1);
    add('fc_norm.bias', [d]);
    add('classifier.weight', [options.classes, d]);
    add('classifier.bias', [options.classes]);
  } else if (c.use_mean_pooling === false) {
    add(`${p}layernorm.weight`, [d], 0.1, 1);
    add(`${p}layernorm.bias`, [d]);
  }
  // A pretraining-only tensor: the import drops it only when told to (allowUnused).
  add('decoder.decoder_norm.weight', [d]);
  return out;
}

const variants = [
  {
    name: 'VideoMAEModel, no mean pooling',
    hf: { ...base, use_mean_pooling: false },
    prefix: '',
    classes: 0,
  },
  {
    name: 'VideoMAEForVideoClassification, mean pooling + fc_norm + classifier',
    hf: { ...base, use_mean_pooling: true, num_labels: 6 },
    prefix: 'videomae.',
    classes: 6,
  },
  {
    name: 'VideoMAEForVideoClassification with small activations (fc_norm epsilon 1e-5 matters)',
    hf: { ...base, use_mean_pooling: true, num_labels: 3 },
    prefix: 'videomae.',
    classes: 3,
    small: true,
  },
];
const dropDecoder = { allowUnused: isVideoMaePretrainingTensor };

describe.each(variants)('VideoMAE import: $name', ({ hf, prefix, classes, small }) => {
  const file = join(dir, `${prefix || 'bare'}${small ? '-small' : ''}.safetensors`);
  const tensors = hfCheckpoint(hf, { prefix, classes, small });

  it('maps every key onto our names and carries eps; tfjs and ONNX Runtime agree on the imported model', async () => {
    await writeSafetensors(file, tensors);
    const { config, weights } = await loadVideoMae(file, hf, { withClassifier: classes > 0, ...dropDecoder });
    expect(config.layerNormEps).toBe(1e-12);
    expect(config.pooledNormEps).toBe(1e-5); // Hugging Face's fc_norm is nn.LayerNorm(hidden_size)
    expect(config.posEmbed).toBe('sincos');
    expect(config.finalNorm).toBe(classes ? 'pooled' : 'tokens');
    expect(weights.get('blocks.1.attn.qkv.weight')?.shape).toEqual([192, 64]);
    // the key bias is zero; q and v biases land in their thirds
    const bias = weights.get('blocks.0.attn.qkv.bias')?.data as Float32Array;
    expect(bias.subarray(64, 128).every((v) => v === 0)).toBe(true);
    expect(bias.subarray(0, 64)).toEqual(tensors[`${prefix}encoder.layer.0.attention.attention.q_bias`].data);
    // patch embedding: ours[o, ((dt * p + dy) * p + dx) * C + c] = conv[o, c, dt, dy, dx]
    const conv = tensors[`${prefix}embeddings.patch_embeddings.projection.weight`].data as Float32Array;
    const pe = weights.get('patch_embed.weight')?.data as Float32Array;
    const [o, ch, dt, dy, dx] = [5, 2, 1, 3, 6];
    expect(pe[o * 384 + ((dt * 8 + dy) * 8 + dx) * 3 + ch]).toBe(
      conv[(((o * 3 + ch) * 2 + dt) * 8 + dy) * 8 + dx],
    );

    const b = 2;
    const clips = randomClips([b, 4, 16, 16, 3], 9);
    const model = VitModel.create(config, weights);
    const outs = tf.tidy(() => {
      const r = model.forward(clips);
      return r.logits ? [r.tokens, r.pooled, r.logits] : [r.tokens, r.pooled];
    });
    const ours = (await Promise.all(outs.map((t) => t.data()))) as Float32Array[];
    tf.dispose(outs);
    model.dispose();
    const enc = await VideoEncoder.load(exportVitOnnx(config, weights), { device: 'cpu' });
    const ort = await enc.embed(clips);
    await enc.dispose();
    expect(relErr(ort.tokens, ours[0])).toBeLessThan(1e-4);
    expect(relErr(ort.pooled, ours[1])).toBeLessThan(1e-4);
  });

  it.skipIf(!hasPython)(
    'agrees with a PyTorch implementation of the architecture (skips without python3 + torch)',
    async () => {
      await writeSafetensors(file, tensors);
      const { config, weights } = await loadVideoMae(file, hf, {
        withClassifier: classes > 0,
        ...dropDecoder,
      });
      const b = 2;
      const clips = randomClips([b, 4, 16, 16, 3], 9);
      const model = VitModel.create(config, weights);
      const outs = tf.tidy(() => {
        const r = model.forward(clips);
        return r.logits ? [r.tokens, r.pooled, r.logits] : [r.tokens, r.pooled];
      });
      const ours = (await Promise.all(outs.map((t) => t.data()))) as Float32Array[];
      tf.dispose(outs);
      model.dispose();

      const clipsFile = join(dir, 'clips.f32');
      const cfgFile = join(dir, 'config.json');
      const outFile = join(dir, 'out.f32');
      writeFileSync(clipsFile, clips.data);
      writeFileSync(cfgFile, JSON.stringify(hf));
      const env = { ...process.env };
      delete env.OPENBLAS_CORETYPE;
      delete env.OPENBLAS_L2_SIZE;
      execFileSync(
        TORCH_PYTHON as string,
        [join(import.meta.dirname, 'videomae_reference.py'), file, cfgFile, clipsFile, String(b), outFile],
        { env, stdio: ['ignore', 'ignore', 'inherit'] },
      );
      const ref = new Float32Array(new Uint8Array(readFileSync(outFile)).buffer);
      const nTok = b * 8 * 64;
      expect(ref.length).toBe(nTok + b * 64 + b * classes);
      expect(relErr(ours[0], ref.subarray(0, nTok))).toBeLessThan(1e-4);
      expect(relErr(ours[1], ref.subarray(nTok, nTok + b * 64))).toBeLessThan(1e-4);
      if (classes) expect(relErr(ours[2], ref.subarray(nTok + b * 64))).toBeLessThan(1e-4);
    },
  );
});

describe('VideoMAE import errors', () => {
  const hf = { ...base, use_mean_pooling: false };
  const config = videoMaeConfig(hf);
  const load = (t: Record<string, Tensor>) =>
    importVideoMae(new Map(Object.entries(t)), config, 'x.safetensors', dropDecoder);

  it('names a missing key', () => {
    const t = hfCheckpoint(hf, { prefix: '' });
    delete t['encoder.layer.1.attention.attention.v_bias'];
    expect(() => load(t)).toThrow(CheckpointError);
    expect(() => load(t)).toThrow(/encoder\.layer\.1\.attention\.attention\.v_bias/);
  });

  it('names a mis-shaped key with the expected and actual shapes', () => {
    const t = hfCheckpoint(hf, { prefix: '' });
    t['encoder.layer.0.intermediate.dense.weight'] = {
      dtype: 'F32',
      shape: [64, 128],
      data: new Float32Array(64 * 128),
    };
    try {
      load(t);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CheckpointError);
      expect((e as CheckpointError).details).toMatchObject({
        key: 'encoder.layer.0.intermediate.dense.weight',
        expected: [128, 64],
        actual: [64, 128],
      });
    }
  });

  it('a checkpoint tensor the import does not use is an UnusedWeightsError listing it', () => {
    const t = hfCheckpoint(hf, { prefix: '' });
    t['encoder.layer.5.output.dense.bias'] = { dtype: 'F32', shape: [64], data: new Float32Array(64) };
    const run = (allowUnused?: boolean | ((n: string) => boolean)) =>
      importVideoMae(new Map(Object.entries(t)), config, 'x.safetensors', { allowUnused });
    try {
      run();
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UnusedWeightsError);
      expect(e).toBeInstanceOf(CheckpointError);
      expect((e as UnusedWeightsError).details.unused).toEqual([
        'decoder.decoder_norm.weight',
        'encoder.layer.5.output.dense.bias',
      ]);
    }
    expect(() => run(isVideoMaePretrainingTensor)).toThrow(/encoder\.layer\.5\.output\.dense\.bias/);
    expect(run(true).size).toBe(run((n) => n !== 'x').size);
  });

  it("uses a classification checkpoint's fc_norm without its head; the dropped classifier must be allowed", async () => {
    const hfc = { ...base, use_mean_pooling: true, num_labels: 4 };
    const file = join(dir, 'classifier-no-head.safetensors');
    await writeSafetensors(file, hfCheckpoint(hfc, { prefix: 'videomae.', classes: 4 }));
    const err = await loadVideoMae(file, hfc, dropDecoder).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnusedWeightsError);
    expect((err as UnusedWeightsError).details.unused).toEqual(['classifier.bias', 'classifier.weight']);
    const { config: c, weights } = await loadVideoMae(file, hfc, {
      allowUnused: (n) => isVideoMaePretrainingTensor(n) || n.startsWith('classifier.'),
    });
    expect([c.finalNorm, c.numClasses, c.pooledNormEps]).toEqual(['pooled', 0, 1e-5]);
    expect(weights.has('fc_norm.weight')).toBe(true);
  });

  it('rejects activations other than GELU, and documents every mapped key', () => {
    expect(() => videoMaeConfig({ ...base, hidden_act: 'relu' })).toThrow(/activation/);
    expect(VIDEOMAE_KEY_MAP.length).toBeGreaterThan(15);
  });
});
