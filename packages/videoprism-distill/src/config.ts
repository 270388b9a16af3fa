import { parseConfig } from '@vfmkit/core';
import type { BlockMaskOptions } from '@vfmkit/masking';
import type { VitConfigInput } from '@vfmkit/vit-encoder';
import { z } from 'zod';

const positiveInt = z.number().int().positive();
/** A ViT config (`@vfmkit/vit-encoder`'s `VitConfigInput`), validated by `parseVitConfig` where it is built. */
const vitInput = z.record(z.string(), z.unknown());

/**
 * The learnable temperature of the video-text loss: `tau = exp(logTemperature)`, initialised at 0.07
 * (CLIP) and clamped to `[min, max]` = `[0.01, 1]` (0.01 is CLIP's cap of the logit scale at 100). Outside
 * the bounds the loss uses the bound and the gradient with respect to the log temperature is 0.
 */
export const TEMPERATURE_DEFAULTS = { init: 0.07, min: 0.01, max: 1 } as const;

/** Temperature of the video-text loss (see {@link TEMPERATURE_DEFAULTS}). */
export const temperatureSchema = z
  .object({
    init: z.number().positive().default(TEMPERATURE_DEFAULTS.init),
    min: z.number().positive().default(TEMPERATURE_DEFAULTS.min),
    max: z.number().positive().default(TEMPERATURE_DEFAULTS.max),
  })
  .strict()
  .refine((t) => t.min <= t.init && t.init <= t.max, {
    message: 'temperature needs min <= init <= max',
    path: ['init'],
  });
export type TemperatureConfig = z.output<typeof temperatureSchema>;

/**
 * The video tower (VideoPrism's video encoder): a ViT over tubelet tokens, then attention pooling with
 * one learned query (nn's `attentionPool`, `pool.*`) to the global embedding `[B, D]`, D = encoder width.
 */
export const videoTowerConfigSchema = z
  .object({
    /** The ViT (`@vfmkit/vit-encoder` config input). */
    encoder: vitInput,
    /** Heads of the attention pool; unset = the encoder's heads. Must divide the width. */
    poolHeads: positiveInt.optional(),
    /** Hidden size of the pool's MLP as a multiple of the width. */
    poolMlpRatio: z.number().positive().default(4),
  })
  .strict();
/** What {@link parseVideoTowerConfig} accepts. */
export interface VideoTowerConfigInput {
  readonly encoder: VitConfigInput;
  readonly poolHeads?: number;
  readonly poolMlpRatio?: number;
}

/** Stage 1 (video-text contrastive, CLIP style). */
export const contrastiveConfigSchema = z
  .object({
    video: videoTowerConfigSchema,
    /** The text encoder (`TextEncoderConfig` of the text side); its `embedDim` must equal the video width. */
    text: z.record(z.string(), z.unknown()),
    /** Fraction of video tokens dropped during training (tube drop: one spatial mask for every time slice). */
    tubeDrop: z.number().min(0).lt(1).default(0.5),
    temperature: temperatureSchema.default({ ...TEMPERATURE_DEFAULTS }),
    /** Seed of the initial weights (video `seed`, text `seed + 1`, pool `seed + 2`). */
    seed: z.number().int().default(0),
  })
  .strict();
export type ContrastiveConfig = z.output<typeof contrastiveConfigSchema>;
export type ContrastiveConfigInput = z.input<typeof contrastiveConfigSchema>;

/** A transformer decoder of the distillation heads; unset width/heads = the student's. */
const decoderSchema = (depth: number) =>
  z
    .object({
      width: positiveInt.optional(),
      depth: z.number().int().nonnegative().default(depth),
      heads: positiveInt.optional(),
      mlpRatio: z.number().positive().default(4),
    })
    .strict();

/** Stage 2 (masked global-local distillation from a frozen stage-1 video tower). */
export const distillConfigSchema = z
  .object({
    /** The student ViT (`@vfmkit/vit-encoder` config input); its clip shape and tubelet must match the teacher's. */
    student: vitInput,
    /** The frozen teacher: a video tower config (its weights come separately). */
    teacher: videoTowerConfigSchema,
    /** BEVT block masking ratio of the student's input (VideoPrism: 0.65). */
    maskRatio: z.number().min(0).lt(1).default(0.65),
    /** Block shapes of the mask (`@vfmkit/masking` `BlockMaskOptions`). */
    block: z.record(z.string(), z.number()).default({}),
    /** Local branch: 4 blocks over visible tokens + mask tokens, predicting the teacher's tokens. */
    local: decoderSchema(4).default({ depth: 4, mlpRatio: 4 }),
    /** Global branch: blocks + attention pooling over the visible tokens, predicting the teacher's embedding. */
    global: decoderSchema(2).default({ depth: 2, mlpRatio: 4 }),
    /** Shuffle the local decoder's input tokens (see `shuffleMode`). */
    shuffle: z.boolean().default(true),
    /**
     * What the shuffle moves. `tokens` (default): each token together with its position embedding, then
     * the decoder, then the exact unshuffle; the decoder is permutation-equivariant, so this equals no
     * shuffle up to rounding. `content`: only the visible tokens' content is permuted among the visible
     * slots, while every slot keeps the position embedding of the token it must predict; the decoder
     * then has to find each position's own content through attention instead of copying it in place.
     */
    shuffleMode: z.enum(['tokens', 'content']).default('tokens'),
    /** Train the global branch (off: local loss only). */
    globalLoss: z.boolean().default(true),
    localWeight: z.number().nonnegative().default(1),
    globalWeight: z.number().nonnegative().default(1),
    /** Seed of the initial weights (student `seed`, local `seed + 1`, global `seed + 2`). */
    seed: z.number().int().default(0),
  })
  .strict();
export type DistillConfig = z.output<typeof distillConfigSchema> & { readonly block: BlockMaskOptions };
export type DistillConfigInput = z.input<typeof distillConfigSchema>;

/**
 * Validates a stage-1 config and fills in defaults (the nested ViT and text configs are validated where
 * the models are built).
 * @throws ConfigError naming the offending key.
 */
export function parseContrastiveConfig(input: ContrastiveConfigInput): ContrastiveConfig {
  return parseConfig(contrastiveConfigSchema, input, 'videoprism contrastive config');
}

/**
 * Validates a stage-2 config and fills in defaults.
 * @throws ConfigError naming the offending key.
 */
export function parseDistillConfig(input: DistillConfigInput): DistillConfig {
  return parseConfig(distillConfigSchema, input, 'videoprism distill config') as DistillConfig;
}

/** A video tower config with defaults filled in (the encoder is validated where the tower is built). */
export type VideoTowerConfigParsed = z.output<typeof videoTowerConfigSchema>;

/**
 * Validates a video tower config and fills in defaults.
 * @throws ConfigError naming the offending key.
 */
export function parseVideoTowerConfig(input: VideoTowerConfigInput): VideoTowerConfigParsed {
  return parseConfig(videoTowerConfigSchema, input, 'video tower config');
}
