import { type ClipBatch, ConfigError, ShapeError, tokenCount } from '@vfmkit/core';
import { initBackend, type Params, type StepContext, type TrainableModel, tf } from '@vfmkit/nn';
import type { NamedWeights } from '@vfmkit/vit-encoder';
import { type ContrastiveConfig, type ContrastiveConfigInput, parseContrastiveConfig } from '../config';
import { resolveVideoTower } from '../internal/tower';
import { tubeDropBatch } from '../masks';
import { parseTextEncoderConfig } from '../text/text-config';
import { embeddingStd, l2Normalize } from './internal/ops';
import { clampLogTemperature, videoTextContrastiveLoss } from './losses';
import { TextTransformer } from './text/text-transformer';
import { VideoTower } from './video-tower';

/** Everything needed to build the same stage-1 model in any thread (JSON-serialisable). */
export interface ContrastiveModelSpec {
  readonly config: ContrastiveConfigInput;
}

/** The statistics `loss()` records (scalars, batch means). */
export const CONTRASTIVE_STATS = {
  /** The temperature in use, `exp(clamped log temperature)`. */
  temperature: 'contrastive.temperature',
  /** Mean cosine similarity of the positive (clip, caption) pairs. */
  positiveCos: 'contrastive.positiveCos',
  /** Mean cosine similarity of the negative pairs (off-diagonal). */
  negativeCos: 'contrastive.negativeCos',
  /** Collapse signals: std over the batch of the L2-normalised video / text embeddings (see `embeddingStd`). */
  videoStd: 'contrastive.videoStd',
  textStd: 'contrastive.textStd',
} as const;

/** Name of the learnable log temperature in `params` (a scalar). */
export const LOG_TEMPERATURE = 'log_temperature';

function need(batch: Record<string, tf.Tensor>, key: string, expected: (string | number)[]): tf.Tensor {
  const t = batch[key];
  if (!t)
    throw new ShapeError(
      `the stage-1 batch has no "${key}" (keys: ${Object.keys(batch).join(', ') || 'none'})`,
      {
        name: key,
        expected,
        actual: [],
      },
    );
  return t;
}

/**
 * VideoPrism stage 1, video-text contrastive training, as a `@vfmkit/nn` TrainableModel: a
 * {@link VideoTower} (ViT + one-query attention pooling) and the text side's {@link TextTransformer}
 * map a clip and its caption into one space; the loss is the symmetric CLIP loss with a learnable log
 * temperature, clamped (see `videoTextContrastiveLoss`). During training the video encoder sees the
 * batch's `visible` tokens (VideoPrism's 50% tube drop; see `tubeDropBatch` in the root entry).
 *
 * Parameter names: `video.<tower name>` (`video.blocks.0.attn.qkv.weight`, `video.pool.latent`),
 * `text.<text name>`, and `log_temperature` (a scalar, no weight decay under nn's default rule).
 */
export class ContrastiveModel implements TrainableModel {
  readonly params: Params;
  readonly stats: Readonly<Record<string, readonly number[]>> = Object.fromEntries(
    Object.values(CONTRASTIVE_STATS).map((k) => [k, []]),
  );

  private constructor(
    readonly config: ContrastiveConfig,
    readonly video: VideoTower,
    readonly text: TextTransformer,
    readonly logTemperature: tf.Variable,
  ) {
    this.params = new Map();
    for (const [name, v] of video.params) this.params.set(`video.${name}`, v);
    for (const [name, v] of text.params) this.params.set(`text.${name}`, v);
    this.params.set(LOG_TEMPERATURE, logTemperature);
  }

  /**
   * Random weights from `config.seed` (video `seed`, text `seed + 1`), or the given ones; the log
   * temperature starts at `log(weights.temperature ?? config.temperature.init)` (pass the temperature,
   * not its log). Call `await initBackend()` first (or use
   * {@link buildContrastiveModel}).
   * @throws ConfigError for an invalid config or a text `embedDim` other than the video width.
   */
  static create(
    spec: ContrastiveModelSpec,
    weights: { video?: NamedWeights; text?: NamedWeights; temperature?: number } = {},
  ): ContrastiveModel {
    const config = parseContrastiveConfig(spec.config);
    const videoConfig = resolveVideoTower(config.video as never);
    const textConfig = parseTextEncoderConfig(config.text as never);
    if (textConfig.embedDim !== videoConfig.encoder.width)
      throw new ConfigError(
        `the text embedDim ${textConfig.embedDim} must equal the video width ${videoConfig.encoder.width} (one shared space)`,
        { key: 'text.embedDim', value: textConfig.embedDim },
      );
    const video = VideoTower.create(videoConfig, weights.video ?? config.seed);
    const text = TextTransformer.create(textConfig, weights.text ?? config.seed + 1);
    const logT = tf.variable(tf.scalar(Math.log(weights.temperature ?? config.temperature.init)), true);
    return new ContrastiveModel(config, video, text, logT);
  }

  /** The temperature now, `exp(log temperature)` clamped to the config's bounds. */
  get temperature(): number {
    const { min, max } = this.config.temperature;
    return Math.min(max, Math.max(min, Math.exp(this.logTemperature.dataSync()[0])));
  }

  private clips(batch: Record<string, tf.Tensor>): ClipBatch {
    const t = need(batch, 'clips', ['B', 'T', 'H', 'W', 3]);
    if (t.rank !== 5)
      throw new ShapeError(`clips must be [B, T, H, W, C], got [${t.shape.join(', ')}]`, {
        name: 'clips',
        expected: ['B', 'T', 'H', 'W', 'C'],
        actual: [...t.shape],
      });
    return { data: t.dataSync() as Float32Array, shape: t.shape as ClipBatch['shape'] };
  }

  /**
   * Video and text embeddings `[B, D]` (not normalised) of a batch; the video encoder sees `visible`
   * when given. Call inside `tf.tidy` or a gradient scope.
   */
  forward(
    clips: ClipBatch,
    ids: tf.Tensor2D,
    mask: tf.Tensor2D,
    options: { visible?: Int32Array; training?: boolean; seed?: number } = {},
  ): { video: tf.Tensor2D; text: tf.Tensor2D } {
    if (ids.shape[0] !== clips.shape[0])
      throw new ShapeError(`ids have ${ids.shape[0]} captions for ${clips.shape[0]} clips`, {
        name: 'ids',
        expected: [clips.shape[0], 'L'],
        actual: [...ids.shape],
      });
    const video = this.video.forward(clips, options).embedding;
    const text = this.text.forward(ids, mask);
    return { video, text };
  }

  /**
   * The stage-1 loss of one batch. `batch`: `clips` `[B, T, H, W, 3]` float32 in [0, 1]; `ids` `[B, L]`
   * int32 and `mask` `[B, L]` float32 (1 = real token) from the text tokenizer, row b the caption of
   * clip b; `visible` `[B, K]` int32, the video tokens kept by the tube drop (`tubeDropBatch`). Without
   * `visible` and with `tubeDrop` > 0, the tube drop is drawn here from `(step, worker)` (then a
   * data-parallel run draws per shard). Records {@link CONTRASTIVE_STATS}.
   * @throws ShapeError for a missing entry or mismatched shapes; UnknownTokenError for an id outside the vocabulary.
   */
  loss(
    batch: Record<string, tf.Tensor>,
    context: Pick<StepContext, 'step' | 'worker'> & { record?: StepContext['record'] },
  ): tf.Scalar {
    const clips = this.clips(batch);
    const ids = need(batch, 'ids', ['B', 'L']) as tf.Tensor2D;
    const mask = need(batch, 'mask', ['B', 'L']) as tf.Tensor2D;
    const seed = context.step * 1009 + context.worker;
    let visible = batch.visible ? (batch.visible.dataSync() as Int32Array) : undefined;
    if (!visible && this.config.tubeDrop > 0) {
      const c = this.video.config.encoder;
      const [b, t, h, w] = clips.shape;
      const grid = { t: t / c.tubelet[0], h: h / c.tubelet[1], w: w / c.tubelet[2] };
      if (
        tokenCount(grid) > 0 &&
        Number.isInteger(grid.t) &&
        Number.isInteger(grid.h) &&
        Number.isInteger(grid.w)
      )
        visible = tubeDropBatch(b, grid, this.config.tubeDrop, seed);
    }
    const out = this.forward(clips, ids, mask, { visible, training: true, seed });
    const record = (name: string, v: tf.Tensor) => context.record?.(name, v);
    const bounds = this.config.temperature;
    const loss = videoTextContrastiveLoss(out.video, out.text, this.logTemperature, bounds);
    const b = clips.shape[0];
    const cos = tf.matMul(l2Normalize(out.video), tf.transpose(l2Normalize(out.text)));
    const eye = tf.eye(b);
    const pos = tf.div(tf.sum(tf.mul(cos, eye)), b);
    record(CONTRASTIVE_STATS.temperature, tf.exp(clampLogTemperature(this.logTemperature, bounds)));
    record(CONTRASTIVE_STATS.positiveCos, pos);
    record(
      CONTRASTIVE_STATS.negativeCos,
      b > 1 ? tf.div(tf.sum(tf.mul(cos, tf.sub(1, eye))), b * (b - 1)) : tf.scalar(Number.NaN),
    );
    record(CONTRASTIVE_STATS.videoStd, embeddingStd(out.video));
    record(CONTRASTIVE_STATS.textStd, embeddingStd(out.text));
    return loss;
  }

  /** After each update: the log temperature is clamped in place to its bounds (as CLIP clamps its logit scale). */
  afterStep(): void {
    const { min, max } = this.config.temperature;
    const v = this.logTemperature.dataSync()[0];
    const c = Math.min(Math.log(max), Math.max(Math.log(min), v));
    if (c !== v) this.logTemperature.assign(tf.scalar(c));
  }

  /** L2-normalised video embeddings `[B, D]` of clips `[B, T, H, W, 3]` (every token). Dispose the result. */
  embedVideo(clips: ClipBatch): tf.Tensor2D {
    return tf.tidy(() => l2Normalize(this.video.forward(clips).embedding));
  }

  /** L2-normalised text embeddings `[B, D]` of token ids `[B, L]` int32 and mask `[B, L]`. Dispose the result. */
  embedText(ids: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => l2Normalize(this.text.forward(ids, mask)));
  }

  /** Frees every variable. */
  dispose(): void {
    this.video.dispose();
    this.text.dispose();
    this.logTemperature.dispose();
    this.params.clear();
  }
}

/** {@link ContrastiveModel.create} after starting the tfjs backend: the entry point of data-parallel workers. */
export async function buildContrastiveModel(spec: ContrastiveModelSpec): Promise<ContrastiveModel> {
  await initBackend();
  return ContrastiveModel.create(spec);
}
