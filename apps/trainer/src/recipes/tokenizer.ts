/**
 * The `tokenizer` recipe: LVMAE's learned video tokenizer (@vfmkit/tokenizer), a 3-D CNN
 * encoder/decoder with an FSQ or LFQ quantizer and a per-token priority scorer trained with a
 * differentiable top-k, so that the reconstruction from the top `budget` tokens teaches the scorer
 * what matters. Exports the encoder (+ quantizer + scorer) and the decoder to ONNX.
 */
import type { Clip } from '@vfmkit/core';
import { psnr, ssim } from '@vfmkit/metrics';
import { tf } from '@vfmkit/nn';
import { codebookSize, codebookStats, type TokenizerConfigInput } from '@vfmkit/tokenizer';
import { exportTokenizerOnnx } from '@vfmkit/tokenizer/onnx';
import {
  serializeTokenizer,
  stackClips,
  TokenizerModel,
  type TokenizerModelSpec,
  tokenizerBatch,
} from '@vfmkit/tokenizer/tfjs';
import type { TrainConfig } from '../config/schema';
import type { ClipSource } from '../data/clip-source';
import { tokenizerPicture } from '../report/tokenizer-picture';
import type { Recipe } from './recipe';

const MODEL_MODULE = new URL(
  import.meta.url.endsWith('.ts') ? './tokenizer-model.ts' : './tokenizer-model.js',
  import.meta.url,
);

/** Held-out clips scored at every checkpoint. */
const EVAL_CLIPS = 8;

/** The tokenizer config of a run: `config.tokenizer` at the run's clip size. */
export function tokenizerConfigOf(config: TrainConfig): TokenizerConfigInput {
  return {
    ...(config.tokenizer as TokenizerConfigInput),
    frames: config.frames,
    imageSize: [config.size, config.size],
  };
}

async function firstClips(source: ClipSource, n: number): Promise<Clip[]> {
  const clips: Clip[] = [];
  for (let i = 0; i < Math.min(n, source.size); i++) clips.push(await source.clip(i));
  return clips;
}

export const tokenizerRecipe: Recipe<TokenizerModelSpec, TokenizerModel> = {
  name: 'tokenizer',
  summary: "LVMAE's tokenizer: 3-D CNN + FSQ/LFQ + priority scorer trained at a token budget",
  defaults: {
    recipe: 'tokenizer',
    augment: [],
    // One latent token per 2 x 8 x 8 tubelet: the grid of a `nano/8` ViT with 2-frame tubelets.
    tokenizer: {
      downsample: [2, 8, 8],
      baseWidth: 16,
      quantizer: { kind: 'fsq', levels: [8, 5, 5, 5] },
      budget: 0.25,
    },
  },
  modelModule: MODEL_MODULE,
  spec: (config) => ({ config: tokenizerConfigOf(config), seed: config.seed }),
  createModel: (spec) => new TokenizerModel(spec.config, spec.seed),
  batch: (clips) => tokenizerBatch(clips),
  async evaluate(model, _config, heldOut) {
    const clips = await firstClips(heldOut, EVAL_CLIPS);
    const x = stackClips(clips);
    const r = model.reconstruct(x);
    try {
      const [b, t, h, w, c] = x.shape;
      const shape = [b * t, h, w, c]; // frames of every clip
      const truth = { data: x.dataSync(), shape };
      const full = { data: tf.tidy(() => tf.clipByValue(r.full, 0, 1).dataSync()), shape };
      const budget = { data: tf.tidy(() => tf.clipByValue(r.budget, 0, 1).dataSync()), shape };
      const ids = Array.from(r.ids.dataSync());
      const codebook = codebookStats(ids, codebookSize(model.config));
      return {
        psnrFull: psnr(truth, full),
        psnrBudget: psnr(truth, budget),
        ssimFull: ssim(truth, full),
        ssimBudget: ssim(truth, budget),
        codebookUsed: codebook.used,
        codebookUsage: codebook.usage,
        codebookPerplexity: codebook.perplexity,
      };
    } finally {
      x.dispose();
      for (const t of Object.values(r)) t.dispose();
    }
  },
  async pictures(model, _config, source) {
    const clips = await firstClips(source, 2);
    return { 'reconstruction.png': tokenizerPicture(model, clips) };
  },
  async artifacts(model, _config, when): Promise<Record<string, Uint8Array>> {
    if (when === 'checkpoint') return { 'tokenizer.safetensors': await serializeTokenizer(model) };
    const weights = new Map<string, { dtype: 'F32'; shape: number[]; data: Float32Array }>();
    for (const [name, v] of model.params)
      weights.set(name, { dtype: 'F32', shape: [...v.shape], data: (await v.data()) as Float32Array });
    const { encoder, decoder } = exportTokenizerOnnx(model.config, weights);
    return { 'tokenizer-encoder.onnx': encoder, 'tokenizer-decoder.onnx': decoder };
  },
  dispose: (model) => model.dispose(),
};
