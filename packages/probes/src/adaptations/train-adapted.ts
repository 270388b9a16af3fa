import { assertLength, assertShape, type ClipBatch, type SeedOrRng, toRng } from '@vfmkit/core';
import {
  AdamW,
  clipGlobalNorm,
  computeGradients,
  cosineSchedule,
  defaultDecay,
  disposeGrads,
  type Grads,
  type Params,
  paramCount,
  tf,
} from '@vfmkit/nn';
import type { VitModel } from '@vfmkit/vit-encoder/tfjs';
import { z } from 'zod';
import { type ArrayWithShape, selectRows } from '../cache/feature-rows';
import { ProbeError } from '../errors';
import type { ProbeHead } from '../heads/probe-head';
import { batchLoss, type HeadTrainingInputs, trainProbeSchema } from '../heads/train';
import { checkTrainingRows, minibatches, parseTrainingOptions, rowsTensor } from '../internal/head-training';

/** {@link trainProbeSchema} with smaller defaults (clips, not cached features) and a backbone learning rate. */
const trainSchema = trainProbeSchema
  .extend({
    steps: z.number().int().positive().default(50),
    batchSize: z.number().int().positive().default(8),
    backboneLr: z.number().positive().optional(),
    warmupSteps: z.number().int().nonnegative().default(5),
    layers: z.array(z.number().int().nonnegative()).min(1).optional(),
  })
  .strict();

/**
 * Options of {@link trainAdapted}: loss (see `ProbeLoss`), steps, batch size, AdamW with a cosine
 * schedule and warmup, global gradient clipping over head and backbone together.
 */
export type TrainAdaptedOptions = z.input<typeof trainSchema> & HeadTrainingInputs;

/** What {@link trainAdapted} did. */
export interface TrainAdaptedResult {
  /** Loss at each step. */
  losses: number[];
  seconds: number;
  /** Scalars that trained: the backbone's trainable weights plus the head. */
  trainableParams: number;
}

/** Backbone weight names that never decay: positional tables (as timm's `no_weight_decay`). */
function decays(name: string, shape: readonly number[]): boolean {
  return defaultDecay(name, shape) && !/(^|\.)pos_embed/.test(name);
}

/** The block indices a head reads: `options.layers`, else the last `layers` blocks for `mlap`, else none. */
function readLayers(model: VitModel, head: ProbeHead, layers?: readonly number[]): number[] {
  if (head.config.kind !== 'mlap') return [];
  const L = head.config.layers;
  const depth = model.config.depth;
  const out = layers ? [...layers] : Array.from({ length: L }, (_, i) => depth - L + i);
  if (out.length !== L || out.some((l) => l < 0 || l >= depth))
    throw new ProbeError(`the mlap head reads ${L} layers of a ${depth}-block encoder; got [${out}]`, {
      what: 'layers',
      layers: out,
      depth,
    });
  return out;
}

/**
 * The features a head reads from the adapted encoder (within the caller's tidy scope): the output
 * tokens `[B, N, D]` (after the encoder's final norm), or for `mlap` the block outputs `[B, L, N, D]`
 * (before the final norm, oldest first) of `layers`.
 */
function encode(
  model: VitModel,
  clips: ClipBatch,
  layers: readonly number[],
  training: boolean,
  seed?: SeedOrRng,
): tf.Tensor {
  const out = model.forward(clips, { layers, training, seed });
  return layers.length > 0 ? tf.stack(out.intermediates, 1) : out.tokens;
}

function checkClips(model: VitModel, clips: ClipBatch): number {
  assertShape('clips', clips.shape, [null, null, null, null, model.config.channels]);
  assertLength('clips', clips.data, clips.shape);
  return clips.shape[0];
}

/**
 * Trains a head and the trainable part of an adapted encoder (see `adaptBackbone`) jointly on clips:
 * each step runs the encoder forward in training mode on a minibatch of clips (sampled without
 * replacement each epoch, seeded), the head on its features, the loss, and one AdamW step on every
 * trainable weight (the head's at `lr`, the backbone's at `backboneLr`, default `lr`; cosine decay
 * after a linear warmup). Frozen encoder weights receive no gradient and stay bit-identical.
 *
 * @param clips `[B, T, H, W, C]` in [0, 1]; the head's `tokens` must equal the clip's token count.
 * @param targets `[B, ...]`: int32 class ids `[B, R]` for softmax cross-entropy, else `[B, R, O]`.
 * @throws ConfigError for bad options; ProbeError for mismatched targets, no trainable weight or an
 *   `mlap` head reading layers the encoder lacks; ShapeError for a clip or feature shape mismatch.
 */
export function trainAdapted(
  model: VitModel,
  head: ProbeHead,
  clips: ClipBatch,
  targets: ArrayWithShape<Float32Array | Int32Array>,
  options: TrainAdaptedOptions,
  seed: SeedOrRng,
): TrainAdaptedResult {
  const { condition, weights, onStep, ...rest } = options;
  const o = parseTrainingOptions('trainAdapted', trainSchema, rest);
  const B = checkClips(model, clips);
  checkTrainingRows(B, 'clips', o.loss, { targets, condition, weights });
  if (B === 0) throw new ProbeError('no training clips', { what: 'clips' });
  const layers = readLayers(model, head, o.layers);

  const backbone: Params = new Map([...model.params].filter(([, v]) => v.trainable));
  if (backbone.size === 0)
    throw new ProbeError('no encoder weight is trainable: call adaptBackbone first', { what: 'model' });
  const all: Params = new Map([
    ...[...backbone].map(([n, v]) => [`encoder/${n}`, v] as const),
    ...[...head.params].map(([n, v]) => [`head/${n}`, v] as const),
  ]);
  const rng = toRng(seed);
  const headOpt = new AdamW(head.params, { lr: o.lr, weightDecay: o.weightDecay });
  const backboneOpt = new AdamW(backbone, { lr: o.backboneLr ?? o.lr, weightDecay: o.weightDecay }, decays);
  const warmupSteps = Math.min(o.warmupSteps, o.steps - 1);
  const headLr = cosineSchedule({ baseLr: o.lr, warmupSteps, totalSteps: o.steps });
  const backboneLr = cosineSchedule({ baseLr: o.backboneLr ?? o.lr, warmupSteps, totalSteps: o.steps });
  const losses: number[] = [];
  const t0 = performance.now();
  const next = minibatches(rng, B, o.batchSize);
  try {
    for (let step = 0; step < o.steps; step++) {
      const idx = next();
      const batch = selectRows(clips.data, clips.shape, idx) as unknown as ClipBatch;
      const y = rowsTensor(targets, idx);
      const c = condition ? rowsTensor(condition, idx) : undefined;
      const w = weights ? rowsTensor(weights, idx) : undefined;
      const stepSeed = rng.fork();
      try {
        const { loss, grads } = computeGradients(all, () =>
          batchLoss(o.loss, head.forward(encode(model, batch, layers, true, stepSeed), c), y, w),
        );
        const value = loss.dataSync()[0];
        loss.dispose();
        const clipped = clipGlobalNorm(grads, o.clipNorm).grads;
        const headGrads: Grads = new Map();
        const backboneGrads: Grads = new Map();
        for (const [n, g] of clipped) {
          if (n.startsWith('head/')) headGrads.set(n.slice(5), g);
          else backboneGrads.set(n.slice(8), g);
        }
        headOpt.step(headGrads, headLr(step));
        if (backboneGrads.size > 0) backboneOpt.step(backboneGrads, backboneLr(step));
        disposeGrads(clipped);
        losses.push(value);
        onStep?.(step, value);
      } finally {
        tf.dispose([y, ...(c ? [c] : []), ...(w ? [w] : [])]);
      }
    }
  } finally {
    headOpt.dispose();
    backboneOpt.dispose();
  }
  return {
    losses,
    seconds: (performance.now() - t0) / 1000,
    trainableParams: paramCount(backbone) + paramCount(head.params),
  };
}

/**
 * Runs the adapted encoder and the head over clips in batches (inference mode).
 * @param clips `[B, T, H, W, C]` in [0, 1].
 * @returns `[B, R, O]` float32 outputs (logits for classification heads).
 */
export function predictAdapted(
  model: VitModel,
  head: ProbeHead,
  clips: ClipBatch,
  options: { batchSize?: number; condition?: ArrayWithShape; layers?: readonly number[] } = {},
): ArrayWithShape {
  const B = checkClips(model, clips);
  const layers = readLayers(model, head, options.layers);
  const bs = options.batchSize ?? 16;
  const R = head.outputRows;
  const O = head.config.outputs;
  const out = new Float32Array(B * R * O);
  for (let s = 0; s < B; s += bs) {
    const idx = Array.from({ length: Math.min(bs, B - s) }, (_, k) => s + k);
    const y = tf.tidy(() => {
      const batch = selectRows(clips.data, clips.shape, idx) as unknown as ClipBatch;
      const c = options.condition ? rowsTensor(options.condition, idx) : undefined;
      return head.forward(encode(model, batch, layers, false), c);
    });
    out.set(y.dataSync() as Float32Array, s * R * O);
    y.dispose();
  }
  return { data: out, shape: [B, R, O] };
}
