/**
 * The `lvmae` recipe (LVMAE: long-video MAE with adaptive decoder masking). A frozen tokenizer from a
 * `vfm-train tokenizer` run (ONNX Runtime, in a worker; see {@link FrozenTokenizer}) gives every clip its
 * token ids and priorities. The encoder sees the tokens that `masking.encoder` (tube or random) keeps;
 * the decoder reconstructs only `lvmae.budget` (default 15%) of all tokens, the hidden ones with the
 * highest priority (`lvmae.decoder: adaptive`; `random`, `uniform` and `running-cell` at the same budget
 * for ablations), and predicts their token ids (`lvmae.target: tokens`, cross-entropy over the
 * codebook) or their normalised pixels (`pixels`).
 *
 * Grid alignment: tokenizer token i and ViT token i cover the same `tubelet` of pixels, because the
 * tokenizer's `downsample` must equal the ViT tubelet, both take the run's `[frames, size, size]` clip
 * (the tokenizer's graphs are exported from its checkpoint at that size, so a tokenizer trained on short
 * clips serves long ones), and both number tokens t-major; {@link checkLvmaeGrid} throws
 * `LvmaeGridError` otherwise.
 *
 * Token targets: FSQ ids are predicted with one softmax over the full codebook index (`prod(levels)`
 * classes), LVMAE's and MAGVIT's choice: the codebook is small (1,000 codes for `[8, 5, 5, 5]`, 64,000
 * for the largest FSQ of the papers), and one softmax models the joint of the code dimensions, which
 * per-dimension softmaxes over the levels would factorise away (they would only pay off for codebooks
 * too large for one head). LFQ ids are predicted bit by bit (`target: 'bits'`, one logit per code
 * dimension, binary cross-entropy per bit): LFQ's bits are independent signs by construction, and the
 * head stays `bits` wide instead of `2^bits`.
 */
import { type Clip, type Rng, tokenGridOf } from '@vfmkit/core';
import { tf } from '@vfmkit/nn';
import { codebookSize } from '@vfmkit/tokenizer';
import { VideoTokenizer } from '@vfmkit/tokenizer/onnx';
import { type MaeDecoderConfigInput, patchTargets } from '@vfmkit/vit-encoder';
import type { TrainConfig } from '../config/schema';
import { reconstructionPicture } from '../report/reconstruction-picture';
import { encoderConfigOf } from '../train/model-spec';
import { stepRng } from '../train/step-rng';
import { lvmaeBatch } from './lvmae-batch';
import { checkLvmaeGrid, type LvmaeConfig, parseLvmaeConfig } from './lvmae-config';
import { FrozenTokenizer } from './lvmae-tokenizer';
import { createMaeTrainable, type MaeModelSpec, type MaeTrainable } from './mae-model';
import type { Recipe } from './recipe';

/** Held-out clips scored at every checkpoint. */
const EVAL_CLIPS = 8;

function gridOf(config: TrainConfig) {
  return tokenGridOf([config.frames, config.size, config.size], encoderConfigOf(config).tubelet);
}

const MODEL_MODULE = new URL(
  import.meta.url.endsWith('.ts') ? './mae-model.ts' : './mae-model.js',
  import.meta.url,
);

/** Open tokenizers by run folder: one worker per folder for the life of the process (or until dispose). */
const open = new Map<string, FrozenTokenizer>();

/**
 * The frozen tokenizer of `config.lvmae.tokenizer` at the run's clip size, checked against the run's ViT
 * grid; null if unused.
 */
export function lvmaeTokenizerOf(
  config: TrainConfig,
  lvmae = parseLvmaeConfig(config.lvmae),
): FrozenTokenizer | null {
  if (lvmae.tokenizer === undefined) return null;
  const clip = [config.frames, config.size, config.size] as const;
  const key = `${lvmae.tokenizer}|${clip.join('x')}`;
  let tok = open.get(key);
  if (!tok) {
    tok = FrozenTokenizer.open(lvmae.tokenizer, clip);
    open.set(key, tok);
  }
  checkLvmaeGrid(tok, encoderConfigOf(config));
  return tok;
}

/** Closes every tokenizer worker the recipe opened. */
export function closeLvmaeTokenizers(): void {
  for (const tok of open.values()) tok.close();
  open.clear();
}

function needsTokens(lvmae: LvmaeConfig): boolean {
  return lvmae.target === 'tokens' || lvmae.decoder === 'adaptive';
}

/** The model spec of a run: the MAE decoder with token targets over the tokenizer's codebook, or pixels. */
export function lvmaeSpecOf(config: TrainConfig): MaeModelSpec {
  const lvmae = parseLvmaeConfig(config.lvmae);
  const encoder = encoderConfigOf(config);
  const tok = lvmaeTokenizerOf(config, lvmae);
  let decoder: MaeDecoderConfigInput = { ...config.decoder, target: 'pixels', normPixels: true };
  if (lvmae.target === 'tokens') {
    const q = (tok as FrozenTokenizer).config.quantizer;
    decoder =
      q.kind === 'lfq'
        ? { ...config.decoder, target: 'bits', bits: q.bits }
        : { ...config.decoder, target: 'tokens', vocabSize: codebookSize({ quantizer: q }) };
  }
  return { encoder, decoder, seed: config.seed };
}

export const lvmaeRecipe: Recipe<MaeModelSpec, MaeTrainable> = {
  name: 'lvmae',
  summary: 'LVMAE: frozen tokenizer, adaptive decoder masking at a 15% budget, token-id targets',
  defaults: {
    recipe: 'lvmae',
    augment: [],
    masking: { encoder: { kind: 'tube', ratio: 0.9 } },
    lvmae: { decoder: 'adaptive', budget: 0.15, target: 'tokens' },
  },
  modelModule: MODEL_MODULE,
  spec: lvmaeSpecOf,
  createModel: createMaeTrainable,
  batch(clips: readonly Clip[], config: TrainConfig, rng: Rng) {
    const lvmae = parseLvmaeConfig(config.lvmae);
    const tok = needsTokens(lvmae) ? lvmaeTokenizerOf(config, lvmae) : null;
    return lvmaeBatch(clips, tok ? tok.encode(clips) : null, gridOf(config), config, lvmae, rng).batch;
  },
  /**
   * Held-out metrics at every checkpoint, on the first {@link EVAL_CLIPS} validation clips with a fixed
   * mask draw: the loss (`heldOutLoss`), and for token targets the top-1 accuracy of the predicted ids
   * of the decoded tokens (`heldOutTop1`), for bit targets the accuracy per bit (`heldOutBitAccuracy`).
   */
  async evaluate(model, config, heldOut) {
    const lvmae = parseLvmaeConfig(config.lvmae);
    const clips: Clip[] = [];
    for (let i = 0; i < Math.min(EVAL_CLIPS, heldOut.size); i++) clips.push(await heldOut.clip(i));
    const tok = needsTokens(lvmae) ? lvmaeTokenizerOf(config, lvmae) : null;
    const { batch } = lvmaeBatch(
      clips,
      tok ? tok.encode(clips) : null,
      gridOf(config),
      config,
      lvmae,
      stepRng(config.seed, -1),
    );
    const clipBatch = {
      data: batch.clips.data as Float32Array,
      shape: batch.clips.shape as [number, number, number, number, number],
    };
    const masks = { visible: batch.visible.data as Int32Array, decode: batch.decode.data as Int32Array };
    const tokenIds = batch.tokenIds?.data as Int32Array | undefined;
    return tf.tidy(() => {
      const out: Record<string, number> = {
        heldOutLoss: model.mae.loss(clipBatch, masks, { tokenIds }).dataSync()[0],
      };
      if (!tokenIds) return out;
      const pred = model.mae.predict(clipBatch, masks);
      const [b, kd, dim] = pred.shape;
      const n = tokenIds.length / b;
      const label = (i: number) => tokenIds[Math.floor(i / kd) * n + masks.decode[i]];
      if (model.mae.decoderConfig.target === 'bits') {
        const logits = pred.dataSync();
        let right = 0;
        for (let i = 0; i < b * kd; i++)
          for (let j = 0; j < dim; j++) if (logits[i * dim + j] > 0 === ((label(i) >>> j) & 1) > 0) right++;
        out.heldOutBitAccuracy = right / (b * kd * dim);
      } else {
        const top = tf.argMax(pred, 2).dataSync();
        let right = 0;
        for (let i = 0; i < b * kd; i++) if (top[i] === label(i)) right++;
        out.heldOutTop1 = right / (b * kd);
      }
      return out;
    });
  },
  /**
   * `reconstruction.png` for the first two clips (fixed mask draw): input | encoder view | the decoded
   * tokens filled in. Pixel targets show the de-normalised predictions; token targets show the frozen
   * tokenizer's decoding of the predicted ids (the true ids elsewhere), i.e. what the decoder's
   * predictions mean in pixels.
   */
  async pictures(model, config, source) {
    const lvmae = parseLvmaeConfig(config.lvmae);
    const clips = [await source.clip(0), await source.clip(Math.min(1, source.size - 1))];
    const tok = needsTokens(lvmae) ? lvmaeTokenizerOf(config, lvmae) : null;
    const { batch, masks } = lvmaeBatch(
      clips,
      tok ? tok.encode(clips) : null,
      gridOf(config),
      config,
      lvmae,
      stepRng(config.seed, -1),
    );
    const clipBatch = {
      data: batch.clips.data as Float32Array,
      shape: batch.clips.shape as [number, number, number, number, number],
    };
    const tubelet = encoderConfigOf(config).tubelet;
    const argmax = lvmae.target === 'tokens' && model.mae.decoderConfig.target === 'tokens';
    let out: Float32Array = new Float32Array(0);
    let top: Int32Array | null = null;
    let shape: number[] = [];
    tf.tidy(() => {
      const pred = model.mae.predict(clipBatch, { visible: masks.visible, decode: masks.decode });
      out = pred.dataSync() as Float32Array;
      shape = pred.shape;
      if (argmax) top = tf.argMax(pred, 2).dataSync() as Int32Array;
    });
    const [b, kd, dim] = shape;
    let predictions = out;
    if (lvmae.target === 'tokens') {
      const ids = Int32Array.from(batch.tokenIds.data as Int32Array);
      const n = ids.length / b;
      for (let i = 0; i < b * kd; i++) {
        let id = 0;
        if (top) id = (top as Int32Array)[i];
        else for (let j = 0; j < dim; j++) if (out[i * dim + j] > 0) id += 2 ** j;
        ids[Math.floor(i / kd) * n + masks.decode[i]] = id;
      }
      const t = tok as FrozenTokenizer;
      const onnx = await VideoTokenizer.load(t.graphs.encoder, t.graphs.decoder, { device: 'cpu' });
      try {
        const decoded = await onnx.decode(ids);
        const patches = patchTargets(decoded.data, clipBatch.shape, tubelet, false);
        const pd = patches.length / (b * n);
        predictions = new Float32Array(b * kd * pd);
        for (let i = 0; i < b * kd; i++) {
          const src = (Math.floor(i / kd) * n + masks.decode[i]) * pd;
          predictions.set(patches.subarray(src, src + pd), i * pd);
        }
      } finally {
        await onnx.dispose();
      }
    }
    const png = reconstructionPicture({
      clips: clipBatch,
      tubelet,
      hidden: masks.hidden,
      decode: masks.decode,
      predictions,
      normPixels: lvmae.target === 'pixels',
    });
    return { 'reconstruction.png': png };
  },
  async encoder(model, config) {
    return { config: encoderConfigOf(config), weights: await model.mae.encoder.weights() };
  },
  dispose(model) {
    model.mae.dispose();
  },
};
