/**
 * The VideoPrism recipes (@vfmkit/videoprism-distill):
 * - `videoprism-contrastive` (stage 1): a video tower (the run's ViT + one-query attention pooling) and
 *   a text tower learn one space from captioned clips (synth4d's template captions, or a manifest's
 *   `caption` field) with the symmetric CLIP loss and a learnable, clamped temperature; 50% of video
 *   tokens are dropped in training (tube drop). A text vocabulary is trained on the training captions
 *   before the first step (`prepare`), unless `videoprism.tokenizer` names a tokenizer.json. Held-out
 *   video-to-text and text-to-video recall is logged at every checkpoint. Files: `tokenizer.json`,
 *   `video-tower.safetensors` (stage 2's teacher) at every checkpoint, and the `videoprism/` folder
 *   (`VideoTextModel` on ONNX Runtime) at export.
 * - `videoprism-distill` (stage 2): a student ViT sees the tokens a BEVT block mask (ratio 0.65) keeps;
 *   a local branch (visible + mask tokens, shuffled, 4 blocks) predicts the frozen stage-1 tower's
 *   tokens and a global branch (visible tokens only, pooled) its global embedding, by cosine distance.
 *   Held-out cosine to the teacher is logged at every checkpoint. At export (global loss on, teacher run
 *   exported), the student's global path with the teacher's text tower is written as `videoprism/`, a
 *   `VideoTextModel` for zero-shot use.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Clip, ConfigError, type Rng, tokenGridOf, writeFileAtomic } from '@vfmkit/core';
import { crossModalRetrieval } from '@vfmkit/metrics';
import { type Batch, tf } from '@vfmkit/nn';
import { contrastiveBatch, distillBatch, distillMasks, TextTokenizer } from '@vfmkit/videoprism-distill';
import {
  buildStudentVideoTextModel,
  buildVideoTextModel,
  readVideoTextModel,
  videoTextModelFiles,
} from '@vfmkit/videoprism-distill/onnx';
import {
  ContrastiveModel,
  DistillModel,
  loadVideoTowerCheckpointSync,
  serializeVideoTowerCheckpoint,
} from '@vfmkit/videoprism-distill/tfjs';
import type { TrainConfig } from '../config/schema';
import type { ClipSource, SourceClip } from '../data/clip-source';
import { stackClips } from '../data/stack-clips';
import { encoderConfigOf } from '../train/model-spec';
import type { Recipe } from './recipe';
import { parseVideoprismContrastive, parseVideoprismDistill } from './videoprism-config';
import type { VideoprismSpec } from './videoprism-model';

const MODEL_MODULE = new URL(
  import.meta.url.endsWith('.ts') ? './videoprism-model.ts' : './videoprism-model.js',
  import.meta.url,
);

/** Files of a VideoPrism run folder (besides the loop's own). */
export const VIDEOPRISM_FILES = {
  /** The text vocabulary (a Hugging Face tokenizer.json). */
  tokenizer: 'tokenizer.json',
  /** Stage 1's video tower, the teacher of stage 2. */
  tower: 'video-tower.safetensors',
  /** Stage 1's `VideoTextModel` folder, written at export. */
  model: 'videoprism',
} as const;

/** Held-out clips scored at every checkpoint. */
const EVAL_CLIPS = 16;

/** Tokenizers by file, with the file's modification time they were read at. */
const tokenizers = new Map<string, { mtimeMs: number; tokenizer: TextTokenizer }>();

/**
 * The run's tokenizer (`<out>/tokenizer.json`, written by `prepare`), read once per file version: the
 * batch builder calls this every step.
 */
export function runTokenizer(config: TrainConfig): TextTokenizer {
  const file = join(resolve(config.out), VIDEOPRISM_FILES.tokenizer);
  if (!existsSync(file))
    throw new ConfigError(`${file} is missing: the videoprism-contrastive recipe writes it before training`, {
      key: 'out',
    });
  const { mtimeMs } = statSync(file);
  let cached = tokenizers.get(file);
  if (cached?.mtimeMs !== mtimeMs) {
    cached = { mtimeMs, tokenizer: TextTokenizer.fromJSON(readFileSync(file, 'utf8')) };
    tokenizers.set(file, cached);
  }
  return cached.tokenizer;
}

/** The captions of clips, in order. @throws ConfigError naming the first clip without one. */
function captionsOf(clips: readonly SourceClip[]): string[] {
  return clips.map((c, i) => {
    if (c.caption === undefined)
      throw new ConfigError(
        `clip ${i} of the batch has no caption: video-text training needs synth4d data or a manifest whose rows have a "caption"`,
        { key: 'data' },
      );
    return c.caption;
  });
}

/**
 * Trains the vocabulary on the first `vocabularyCaptions` training captions (or copies
 * `videoprism.tokenizer`) into `<out>/tokenizer.json`, unless a resumed run already has one.
 */
async function prepareTokenizer(config: TrainConfig, source: ClipSource): Promise<void> {
  const vp = parseVideoprismContrastive(config.videoprism);
  const file = join(resolve(config.out), VIDEOPRISM_FILES.tokenizer);
  if (existsSync(file)) return;
  let json: string;
  if (vp.tokenizer !== undefined) {
    if (!existsSync(vp.tokenizer))
      throw new ConfigError(`videoprism.tokenizer: ${vp.tokenizer} does not exist`, {
        key: 'videoprism.tokenizer',
      });
    json = TextTokenizer.fromJSON(readFileSync(vp.tokenizer, 'utf8')).toJSON();
  } else {
    const n = Math.min(source.size, vp.vocabularyCaptions);
    const captions: string[] = [];
    let missing = 0;
    for (let i = 0; i < n; i++) {
      const c = source.caption(i);
      if (c === undefined) missing++;
      else captions.push(c);
    }
    if (missing > 0)
      throw new ConfigError(
        `${missing} of the first ${n} training clips have no caption (${source.description}): video-text training needs a caption for every clip`,
        { key: 'data' },
      );
    const tok = await TextTokenizer.train(captions, {
      kind: vp.vocabulary.kind,
      vocabSize: vp.vocabulary.size,
    });
    json = tok.toJSON();
  }
  await writeFileAtomic(file, [new TextEncoder().encode(json)]);
}

function gridOf(config: TrainConfig) {
  return tokenGridOf([config.frames, config.size, config.size], encoderConfigOf(config).tubelet);
}

/** The first `n` clips of a held-out source. */
async function heldOutClips(source: ClipSource, n: number): Promise<SourceClip[]> {
  const count = Math.min(source.size, n);
  return Promise.all(Array.from({ length: count }, (_, i) => source.clip(i)));
}

export const videoprismContrastiveRecipe: Recipe<VideoprismSpec, ContrastiveModel> = {
  name: 'videoprism-contrastive',
  summary: 'VideoPrism stage 1: video-text contrastive (CLIP loss, learnable temperature, tube drop)',
  defaults: {
    recipe: 'videoprism-contrastive',
    out: 'runs/videoprism-contrastive',
    augment: [],
    batchSize: 8,
  },
  modelModule: MODEL_MODULE,
  prepare: prepareTokenizer,
  spec(config) {
    const vp = parseVideoprismContrastive(config.videoprism);
    const encoder = encoderConfigOf(config);
    const { vocabSize } = runTokenizer(config);
    return {
      stage: 'contrastive',
      model: {
        config: {
          video: { encoder },
          text: { ...vp.text, vocabSize, embedDim: encoder.width },
          tubeDrop: vp.tubeDrop,
          temperature: vp.temperature,
          seed: config.seed,
        },
      },
    };
  },
  createModel(spec) {
    if (spec.stage !== 'contrastive') throw new ConfigError('not a stage-1 spec', { key: 'recipe' });
    return ContrastiveModel.create(spec.model);
  },
  batch(clips, config, rng: Rng): Batch {
    const vp = parseVideoprismContrastive(config.videoprism);
    const text = runTokenizer(config).encode(captionsOf(clips), vp.text.maxLength);
    return contrastiveBatch(stackClips(clips), text, gridOf(config), vp.tubeDrop, rng);
  },
  async evaluate(model, config, heldOut): Promise<Record<string, number>> {
    const vp = parseVideoprismContrastive(config.videoprism);
    const clips = await heldOutClips(heldOut, EVAL_CLIPS);
    if (clips.length < 2 || clips.some((c) => c.caption === undefined)) return {};
    const text = runTokenizer(config).encode(captionsOf(clips), vp.text.maxLength);
    const n = clips.length;
    const sim = tf.tidy(() => {
      const v = model.embedVideo(stackClips(clips));
      const t = model.embedText(
        tf.tensor2d(text.ids, text.shape, 'int32'),
        tf.tensor2d(text.mask, text.shape),
      );
      return tf.matMul(v, t, false, true).dataSync() as Float32Array;
    });
    const r = crossModalRetrieval(sim, n);
    return {
      videoToTextR1: r.videoToText.r1,
      videoToTextR5: r.videoToText.r5,
      textToVideoR1: r.textToVideo.r1,
      textToVideoR5: r.textToVideo.r5,
      chanceR1: 1 / n,
      temperature: model.temperature,
    };
  },
  async encoder(model) {
    return { config: model.video.encoder.config, weights: await model.video.encoder.weights() };
  },
  async artifacts(model, config, when) {
    if (when === 'checkpoint')
      return {
        [VIDEOPRISM_FILES.tower]: serializeVideoTowerCheckpoint(model.video.config, model.video.weights()),
      };
    const parts = buildVideoTextModel({
      video: { config: model.video.config, weights: model.video.weights() },
      text: { config: model.text.config, weights: model.text.weights() },
      tokenizer: runTokenizer(config),
      temperature: model.temperature,
    });
    return videoTextModelFiles(parts, `${VIDEOPRISM_FILES.model}/`);
  },
  dispose(model) {
    model.dispose();
  },
};

/** `<teacher run>/video-tower.safetensors`. @throws ConfigError when the run has none. */
function teacherFile(teacher: string): string {
  const file = resolve(teacher, VIDEOPRISM_FILES.tower);
  if (!existsSync(file))
    throw new ConfigError(
      `videoprism.teacher: ${teacher} has no ${VIDEOPRISM_FILES.tower}; pass a videoprism-contrastive run folder (finished or checkpointed)`,
      { key: 'videoprism.teacher', value: teacher },
    );
  return file;
}

export const videoprismDistillRecipe: Recipe<VideoprismSpec, DistillModel> = {
  name: 'videoprism-distill',
  summary: 'VideoPrism stage 2: masked global-local distillation from a stage-1 tower, token shuffling',
  defaults: { recipe: 'videoprism-distill', out: 'runs/videoprism-distill', augment: [] },
  modelModule: MODEL_MODULE,
  spec(config) {
    const vp = parseVideoprismDistill(config.videoprism);
    const checkpoint = teacherFile(vp.teacher);
    return {
      stage: 'distill',
      model: {
        config: {
          student: encoderConfigOf(config),
          teacher: loadVideoTowerCheckpointSync(checkpoint).config,
          maskRatio: vp.maskRatio,
          shuffle: vp.shuffle !== 'off',
          ...(vp.shuffle !== 'off' ? { shuffleMode: vp.shuffle } : {}),
          globalLoss: vp.globalLoss,
          local: { depth: vp.localDepth },
          global: { depth: vp.globalDepth },
          seed: config.seed,
        },
        teacher: { checkpoint },
      },
    };
  },
  createModel(spec) {
    if (spec.stage !== 'distill') throw new ConfigError('not a stage-2 spec', { key: 'recipe' });
    return DistillModel.create(spec.model);
  },
  batch(clips: readonly Clip[], config, rng: Rng): Batch {
    const vp = parseVideoprismDistill(config.videoprism);
    return distillBatch(
      stackClips(clips),
      gridOf(config),
      { ratio: vp.maskRatio, shuffle: vp.shuffle !== 'off' },
      rng,
    );
  },
  async evaluate(model, config, heldOut) {
    const vp = parseVideoprismDistill(config.videoprism);
    const clips = await heldOutClips(heldOut, EVAL_CLIPS / 2);
    const m = distillMasks(
      clips.length,
      gridOf(config),
      { ratio: vp.maskRatio, shuffle: vp.shuffle !== 'off' },
      config.seed,
    );
    const cos = model.teacherCosine(stackClips(clips), m);
    return { teacherLocalCos: cos.local, ...(vp.globalLoss ? { teacherGlobalCos: cos.global } : {}) };
  },
  async encoder(model) {
    return { config: model.studentConfig, weights: await model.studentWeights() };
  },
  /**
   * At export, with the global loss on: the student's global path and the teacher run's text tower as
   * one video-text model (`videoprism/`), for zero-shot use; it needs the teacher's exported
   * `videoprism/` folder.
   */
  async artifacts(model, config, when) {
    const vp = parseVideoprismDistill(config.videoprism);
    if (when !== 'export' || !vp.globalLoss) return {};
    const teacher = join(resolve(vp.teacher), VIDEOPRISM_FILES.model);
    if (!existsSync(teacher)) return {};
    const parts = buildStudentVideoTextModel({
      student: { config: model.config, weights: await model.studentVideoWeights() },
      teacher: await readVideoTextModel(teacher),
    });
    return videoTextModelFiles(parts, `${VIDEOPRISM_FILES.model}/`);
  },
  dispose(model) {
    model.dispose();
  },
};
