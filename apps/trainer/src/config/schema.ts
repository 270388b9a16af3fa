import { z } from 'zod';

const positiveInt = z.number().int().positive();

/** Where clips come from: synth4d rendered on the fly, or a `@vfmkit/video` manifest. */
export const dataSchema = z.discriminatedUnion('source', [
  z
    .object({
      source: z.literal('synth4d'),
      /** A synth4d task preset (`actions`, `tracking`, ...): its scenes feed pretraining. */
      task: z.string().default('actions'),
      split: z.enum(['train', 'val', 'test']).default('train'),
      /**
       * Distinct clips in the dataset; the order is reshuffled every epoch. `0` = unbounded (every
       * sample is a new scene).
       */
      size: z.number().int().nonnegative().default(0),
      /** Upper bound on objects per scene (synth4d difficulty knob). */
      objects: z.number().int().min(1).max(8).optional(),
      /** Threads rendering the next step's scenes while this one trains (0: render in this thread). */
      renderWorkers: z.number().int().min(0).max(16).default(1),
    })
    .strict(),
  z
    .object({
      source: z.literal('manifest'),
      /** Path of a JSONL manifest (see @vfmkit/video). */
      path: z.string().min(1),
      split: z.string().default('train'),
      /** Frame stride of the sampled clips. */
      stride: positiveInt.default(2),
    })
    .strict(),
]);

/** The encoder: a named variant (`nano/4`, `tiny/8`, `S/16`...) or explicit sizes. */
export const modelSchema = z
  .object({
    variant: z.string().default('nano/8'),
    /** Tubelet frames. */
    tubeletFrames: positiveInt.default(2),
    /** Explicit sizes replacing the variant's (e.g. for scaling studies between named sizes). */
    width: positiveInt.optional(),
    depth: positiveInt.optional(),
    heads: positiveInt.optional(),
    mlpDim: positiveInt.optional(),
    dropPath: z.number().min(0).lt(1).default(0),
  })
  .strict();

export const decoderSchema = z
  .object({
    width: positiveInt.default(64),
    depth: positiveInt.default(2),
    heads: positiveInt.default(2),
  })
  .strict();

/** Encoder and decoder masking (see @vfmkit/masking). */
export const maskingSchema = z
  .object({
    encoder: z
      .object({
        kind: z.enum(['tube', 'random', 'block', 'running-cell']).default('tube'),
        ratio: z.number().min(0).lt(1).default(0.9),
      })
      .strict()
      .default({ kind: 'tube', ratio: 0.9 }),
    decoder: z
      .object({
        kind: z.enum(['all', 'running-cell', 'random']).default('all'),
        ratio: z.number().gt(0).max(1).default(0.5),
      })
      .strict()
      .default({ kind: 'all', ratio: 0.5 }),
  })
  .strict();

/** The views of a joint-embedding recipe (SimCLR, MoCo v3, BYOL, DINO, VICReg); see @vfmkit/ssl. */
export const viewsSchema = z
  .object({
    /** An augmentation policy of @vfmkit/ssl: `none`, `weak`, `standard` or `strong`. */
    policy: z.string().default('standard'),
    /** Views per clip (>= 2). */
    count: z.number().int().min(2).default(2),
    /**
     * Frames per view, sampled from the `frames`-frame source clip with the policy's temporal jitter
     * and speed (the encoder's clip length). Default: half the source clip.
     */
    frames: positiveInt.optional(),
  })
  .strict();

export const optimSchema = z
  .object({
    lr: z.number().positive().default(1.5e-3),
    minLr: z.number().nonnegative().default(1e-5),
    warmupSteps: z.number().int().nonnegative().default(10),
    weightDecay: z.number().nonnegative().default(0.05),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.95),
    clipNorm: z.number().positive().optional(),
  })
  .strict();

/**
 * A training run, as data. Every run writes its resolved config to `<out>/config.json`; CLI flags
 * `--a.b=value` override keys and are validated like the file.
 */
export const trainConfigSchema = z
  .object({
    /** A registered recipe (`vfm-train --help` lists them). */
    recipe: z.string().min(1),
    seed: z.number().int().nonnegative().default(0),
    /** Run folder: config, log.jsonl, checkpoint, plots, ONNX export. */
    out: z.string().min(1).default('runs/mae'),
    steps: positiveInt.default(100),
    batchSize: positiveInt.default(4),
    /** Micro-batches per optimizer step (gradient accumulation); single worker only. */
    accumulate: positiveInt.default(1),
    /** Data-parallel worker threads (one tfjs backend each); 1 = in this thread. */
    workers: positiveInt.default(1),
    frames: positiveInt.default(8),
    size: positiveInt.default(32),
    data: dataSchema.default({
      source: 'synth4d',
      task: 'actions',
      split: 'train',
      size: 0,
      renderWorkers: 1,
    }),
    /** Augmentation of the single MAE view: a @vfmkit/video transform config list. */
    augment: z.array(z.record(z.string(), z.unknown())).default([{ type: 'horizontalFlip', p: 0.5 }]),
    model: modelSchema.default({ variant: 'nano/8', tubeletFrames: 2, dropPath: 0 }),
    decoder: decoderSchema.default({ width: 64, depth: 2, heads: 2 }),
    views: viewsSchema.default({ policy: 'standard', count: 2 }),
    /**
     * Overrides of the joint-embedding method's config (@vfmkit/ssl `SSL_METHODS[recipe]`), e.g.
     * `{ projector: { hidden: 256, out: 128 } }` or `{ temperature: 0.2 }`; validated by @vfmkit/ssl.
     */
    ssl: z.record(z.string(), z.unknown()).default({}),
    /** The `tokenizer` recipe's model (@vfmkit/tokenizer config without the clip size; validated there). */
    tokenizer: z.record(z.string(), z.unknown()).default({}),
    /** The `lvmae` recipe: tokenizer run folder, decoder mask kind and budget, target (validated there). */
    lvmae: z.record(z.string(), z.unknown()).default({}),
    /**
     * The VideoPrism recipes: stage 1 (`videoprism-contrastive`: tokenizer, text tower, tube drop,
     * temperature) or stage 2 (`videoprism-distill`: teacher run, mask ratio, shuffle, global loss);
     * validated by the recipe.
     */
    videoprism: z.record(z.string(), z.unknown()).default({}),
    masking: maskingSchema.default({
      encoder: { kind: 'tube', ratio: 0.9 },
      decoder: { kind: 'all', ratio: 0.5 },
    }),
    optim: optimSchema.default({
      lr: 1.5e-3,
      minLr: 1e-5,
      warmupSteps: 10,
      weightDecay: 0.05,
      beta1: 0.9,
      beta2: 0.95,
    }),
    checkpointEvery: positiveInt.default(50),
    logEvery: positiveInt.default(1),
    /** Export the encoder to ONNX at the end. */
    exportOnnx: z.boolean().default(true),
    /** Render the loss curve and a reconstruction picture at the end. */
    pictures: z.boolean().default(true),
  })
  .strict();

export type TrainConfig = z.output<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;
