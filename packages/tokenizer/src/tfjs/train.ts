import { type Clip, ConfigError, parseConfig, Rng, ShapeError } from '@vfmkit/core';
import { AdamW, clipGlobalNorm, computeGradients, disposeGrads, type Grads, tf } from '@vfmkit/nn';
import { z } from 'zod';
import type { TokenizerModel } from './tokenizer-model';

/** Options of {@link trainTokenizer}. */
export const trainTokenizerSchema = z
  .object({
    steps: z.number().int().nonnegative(),
    batchSize: z.number().int().positive().default(4),
    /** AdamW learning rate of the encoder and decoder. */
    lr: z.number().nonnegative().default(2e-3),
    /** AdamW learning rate of the priority scorer (default: `lr`). 0 freezes the scorer at its init. */
    scorerLr: z.number().nonnegative().optional(),
    weightDecay: z.number().nonnegative().default(0.01),
    /** Steps of linear warm-up, then cosine decay to 10% of the rate. */
    warmup: z.number().int().nonnegative().default(10),
    clipNorm: z.number().positive().default(1),
    /** Seed of the batch sampling. */
    seed: z.number().int().default(0),
  })
  .strict();
export type TrainTokenizerOptions = z.input<typeof trainTokenizerSchema>;

/** One step's record. */
export interface TokenizerStepLog {
  readonly step: number;
  readonly loss: number;
  readonly mseFull: number;
  readonly mseBudget: number;
  readonly aux: number;
  readonly gradNorm: number;
  readonly lr: number;
}

/** Stacks clips `[T, H, W, C]` (same shape) into `[B, T, H, W, C]`. */
export function stackClips(clips: readonly Clip[]): tf.Tensor {
  const shape = clips[0].shape;
  const size = shape[0] * shape[1] * shape[2] * shape[3];
  const data = new Float32Array(clips.length * size);
  clips.forEach((c, i) => {
    if (c.shape.some((d, j) => d !== shape[j]))
      throw new ShapeError(`clip ${i} is [${c.shape}], clip 0 is [${shape}]`, {
        name: `clips.${i}`,
        expected: [...shape],
        actual: [...c.shape],
      });
    data.set(c.data, i * size);
  });
  return tf.tensor(data, [clips.length, ...shape]);
}

/**
 * Trains a tokenizer on a fixed set of clips with AdamW (`@vfmkit/nn`), warm-up + cosine rate, global
 * norm clipping, and a separate rate for the scorer. Batches are drawn with replacement by a seeded Rng.
 * For a recipe-driven loop, use the model as a `TrainableModel` with `{ clips }` batches instead.
 * @param clips training clips `[T, H, W, C]` in [0, 1]
 * @param onStep called after every step (e.g. logging)
 * @returns the per-step log
 * @throws ConfigError for invalid options or no clips.
 */
export function trainTokenizer(
  model: TokenizerModel,
  clips: readonly Clip[],
  options: TrainTokenizerOptions,
  onStep?: (log: TokenizerStepLog) => void,
): TokenizerStepLog[] {
  const o = parseConfig(trainTokenizerSchema, options, 'trainTokenizer options');
  if (clips.length === 0) throw new ConfigError('trainTokenizer needs at least one clip', { key: 'clips' });
  const scorerLr = o.scorerLr ?? o.lr;
  const isScorer = (name: string) => name.startsWith('scorer.');
  const main = new AdamW(model.params, { lr: o.lr, weightDecay: o.weightDecay });
  const scorer = new AdamW(model.params, { lr: scorerLr, weightDecay: o.weightDecay });
  const rng = new Rng(o.seed);
  const log: TokenizerStepLog[] = [];
  for (let step = 0; step < o.steps; step++) {
    const scale =
      step < o.warmup
        ? (step + 1) / (o.warmup + 1)
        : 0.1 + 0.45 * (1 + Math.cos((Math.PI * (step - o.warmup)) / Math.max(1, o.steps - o.warmup)));
    const batch = stackClips(Array.from({ length: o.batchSize }, () => clips[rng.int(clips.length)]));
    let parts: { full: number; budget: number; aux: number } = { full: 0, budget: 0, aux: 0 };
    const { loss, grads } = computeGradients(
      model.params,
      () => {
        const l = model.losses(batch);
        parts = {
          full: l.full.dataSync()[0],
          budget: l.budget.dataSync()[0],
          aux: l.aux.dataSync()[0],
        };
        return l.total;
      },
      { names: (n) => scorerLr > 0 || !isScorer(n) },
    );
    batch.dispose();
    const { grads: clipped, norm } = clipGlobalNorm(grads, o.clipNorm);
    const mainGrads: Grads = new Map();
    const scorerGrads: Grads = new Map();
    for (const [name, g] of clipped) (isScorer(name) ? scorerGrads : mainGrads).set(name, g);
    main.step(mainGrads, o.lr * scale);
    if (scorerGrads.size) scorer.step(scorerGrads, scorerLr * scale);
    disposeGrads(clipped);
    const entry: TokenizerStepLog = {
      step,
      loss: loss.dataSync()[0],
      mseFull: parts.full,
      mseBudget: parts.budget,
      aux: parts.aux,
      gradNorm: norm,
      lr: o.lr * scale,
    };
    loss.dispose();
    log.push(entry);
    onStep?.(entry);
  }
  return log;
}
