/**
 * The `videoprism` section of a run config, for the two VideoPrism recipes
 * (`videoprism-contrastive`, `videoprism-distill`). The ViT itself is the run's `model` section.
 */
import { parseConfig } from '@vfmkit/core';
import { TEMPERATURE_DEFAULTS, temperatureSchema } from '@vfmkit/videoprism-distill';
import { z } from 'zod';

const positiveInt = z.number().int().positive();

/** Stage 1: video-text contrastive training. */
export const videoprismContrastiveSchema = z
  .object({
    /**
     * A tokenizer.json to use as is (e.g. a public vocabulary). Unset: a vocabulary is trained at the
     * start of the run on the training data's captions and kept in `<out>/tokenizer.json`.
     */
    tokenizer: z.string().min(1).optional(),
    /** The trained vocabulary: `bpe` or `wordpiece`, and its size (special tokens included). */
    vocabulary: z
      .object({ kind: z.enum(['bpe', 'wordpiece']).default('bpe'), size: positiveInt.default(512) })
      .strict()
      .default({ kind: 'bpe', size: 512 }),
    /** Captions the vocabulary is trained on: the first this many clips of the training data. */
    vocabularyCaptions: positiveInt.default(2000),
    /** The text tower (its output width is the ViT's width; `vocabSize` comes from the tokenizer). */
    text: z
      .object({
        maxLength: positiveInt.default(48),
        width: positiveInt.default(64),
        depth: positiveInt.default(2),
        heads: positiveInt.default(2),
        mlpRatio: z.number().positive().default(4),
        pooling: z.enum(['mean', 'first']).default('mean'),
      })
      .strict()
      .default({ maxLength: 48, width: 64, depth: 2, heads: 2, mlpRatio: 4, pooling: 'mean' }),
    /** Fraction of video tokens dropped in training (one spatial mask for every time slice). */
    tubeDrop: z.number().min(0).lt(1).default(0.5),
    temperature: temperatureSchema.default({ ...TEMPERATURE_DEFAULTS }),
  })
  .strict();
export type VideoprismContrastiveConfig = z.output<typeof videoprismContrastiveSchema>;

/** Stage 2: masked global-local distillation from a frozen stage-1 video tower. */
export const videoprismDistillSchema = z
  .object({
    /** The stage-1 run folder (its `video-tower.safetensors` is the frozen teacher). */
    teacher: z.string().min(1),
    /** BEVT block masking ratio of the student's input (VideoPrism: 0.65). */
    maskRatio: z.number().min(0).lt(1).default(0.65),
    /**
     * Token shuffling in the local branch (@vfmkit/videoprism-distill's `shuffleMode`): `content` (the
     * default here) permutes the visible tokens' content among the visible slots while each slot keeps
     * the position embedding of the token it must predict, so the decoder must find each position's
     * content by attention; `tokens` shuffles tokens with their position embeddings and unshuffles
     * exactly, which a permutation-equivariant decoder makes a no-op (kept for comparison); `off`.
     */
    shuffle: z.enum(['content', 'tokens', 'off']).default('content'),
    /** Train the global branch too. */
    globalLoss: z.boolean().default(true),
    /** Local and global decoder depths (widths and heads are the student's). */
    localDepth: positiveInt.default(4),
    globalDepth: positiveInt.default(2),
  })
  .strict();
export type VideoprismDistillConfig = z.output<typeof videoprismDistillSchema>;

/** Validates `config.videoprism` for stage 1. @throws ConfigError naming the key. */
export function parseVideoprismContrastive(input: unknown): VideoprismContrastiveConfig {
  return parseConfig(videoprismContrastiveSchema, input as never, 'videoprism (contrastive) config');
}

/** Validates `config.videoprism` for stage 2. @throws ConfigError naming the key (`teacher` is required). */
export function parseVideoprismDistill(input: unknown): VideoprismDistillConfig {
  return parseConfig(videoprismDistillSchema, input as never, 'videoprism (distill) config');
}
