import { type Rng, type SeedOrRng, ShapeError, toRng } from '@vfmkit/core';
import {
  conv3d,
  createParams,
  disposeParams,
  initConv3d,
  type Params,
  paramCount,
  type TrainableModel,
  tf,
} from '@vfmkit/nn';
import {
  budgetTokens,
  codeDim,
  parseTokenizerConfig,
  stageFactors,
  type TokenizerConfig,
  type TokenizerConfigInput,
} from '../config';
import { latentGrid } from '../latent-grid';
import { gaussianNoise, perturbedTopk, topkMask } from './perturbed-topk';
import {
  commitmentLoss,
  fsqIdsTf,
  fsqQuantizeTf,
  lfqEntropyLoss,
  lfqIdsTf,
  lfqQuantizeTf,
  stopGradient,
} from './quantize';
import { depthToSpace, spaceToDepth } from './space-to-depth';

const silu = (x: tf.Tensor) => tf.mul(x, tf.sigmoid(x));
const prod = (f: readonly number[]) => f.reduce((a, b) => a * b, 1);

/** Scale of a residual branch's last convolution at init (keeps the unnormalised stack well-conditioned). */
const RESIDUAL_GAIN = 0.3;

/** What {@link TokenizerModel.forward} computes for a batch. */
export interface TokenizerOutputs {
  /** Pre-quantization latents `[B, T', H', W', d]`. */
  readonly latents: tf.Tensor;
  /** Quantized codes `[B, T', H', W', d]` (straight-through gradient to `latents`). */
  readonly codes: tf.Tensor;
  /** Priorities `[B, N]`, N = T' H' W' (t-major). */
  readonly priorities: tf.Tensor;
}

/** Loss terms of one batch (scalars). */
export interface TokenizerLosses {
  readonly total: tf.Scalar;
  /** Mean squared error of the reconstruction from all tokens. */
  readonly full: tf.Scalar;
  /** Mean squared error of the reconstruction from the budget's tokens (soft top-k mask). */
  readonly budget: tf.Scalar;
  /** Quantizer auxiliary loss (weighted; 0 for FSQ). */
  readonly aux: tf.Scalar;
}

/**
 * The MAGVIT-style video tokenizer on TensorFlow.js: a 3-D CNN encoder (residual blocks, space-to-depth
 * downsampling by the config's factors), an FSQ or LFQ quantizer with straight-through gradients, a CNN
 * priority scorer (one score per latent token), a perturbed-optimizer top-k at the token budget, and the
 * mirrored decoder. Every 3x3x3 convolution is `@vfmkit/nn`'s matmul-built `conv3d`.
 *
 * Parameters are PyTorch-style names in PyTorch layouts (`encoder.stem.weight` `[OUT, IN, 3, 3, 3]`).
 * It is a {@link TrainableModel}: `loss(batch)` takes `{ clips: [B, T, H, W, C] }` in [0, 1].
 */
export class TokenizerModel implements TrainableModel {
  readonly config: TokenizerConfig;
  readonly params: Params;
  private readonly noiseRng: Rng;

  /**
   * @param config a tokenizer config (validated here).
   * @param seed weights and top-k noise seed.
   */
  constructor(config: TokenizerConfigInput | TokenizerConfig, seed: SeedOrRng = 0) {
    this.config = parseTokenizerConfig(config);
    const rng = toRng(seed);
    this.params = initTokenizerParams(this.config, rng.fork());
    this.noiseRng = rng.fork();
  }

  /** Number of scalar parameters (optionally under a prefix: `encoder`, `decoder`, `scorer`). */
  parameterCount(prefix = ''): number {
    return paramCount(this.params, (n) => n.startsWith(prefix));
  }

  /**
   * Encoder: pre-quantization latents.
   * @param clips `[B, T, H, W, C]` in [0, 1]; T, H, W multiples of the downsampling
   * @returns `[B, T', H', W', d]`
   * @throws ShapeError for a wrong rank or channel count; ClipSizeError for a size not divisible.
   */
  encode(clips: tf.Tensor): tf.Tensor {
    const c = this.config;
    checkClips(clips, c);
    const p = this.params;
    const stages = stageFactors(c.downsample);
    let h = conv3d(p, 'encoder.stem', tf.sub(tf.mul(clips, 2), 1));
    for (let i = 0; i <= stages.length; i++) {
      for (let r = 0; r < c.resBlocks[i]; r++) h = resBlock(p, `encoder.levels.${i}.res.${r}`, h);
      if (i < stages.length) h = conv3d(p, `encoder.levels.${i}.down`, spaceToDepth(h, stages[i]));
    }
    return conv3d(p, 'encoder.out', silu(h));
  }

  /**
   * Quantizer: codes with a straight-through gradient.
   * @param latents `[..., d]`
   * @returns codes `[..., d]`
   */
  quantize(latents: tf.Tensor): tf.Tensor {
    const q = this.config.quantizer;
    return q.kind === 'fsq' ? fsqQuantizeTf(latents, q.levels) : lfqQuantizeTf(latents);
  }

  /**
   * Token ids of codes, t-major.
   * @param codes `[B, T', H', W', d]`
   * @returns `[B, N]` int32
   */
  ids(codes: tf.Tensor): tf.Tensor {
    const q = this.config.quantizer;
    return tf.tidy(() => {
      const ids = q.kind === 'fsq' ? fsqIdsTf(codes, q.levels) : lfqIdsTf(codes, q.bits);
      return tf.reshape(ids, [codes.shape[0], -1]);
    });
  }

  /**
   * Priority scorer over the quantized codes (their gradient is stopped: the scorer learns to rank tokens;
   * it does not change them).
   * @param codes `[B, T', H', W', d]`
   * @returns `[B, N]`
   */
  score(codes: tf.Tensor): tf.Tensor {
    const p = this.params;
    let h = stopGradient(codes);
    for (let i = 0; i < this.config.scorer.layers; i++) h = silu(conv3d(p, `scorer.convs.${i}`, h));
    return tf.reshape(conv3d(p, 'scorer.out', h), [codes.shape[0], -1]);
  }

  /**
   * Decoder: clips from codes (dropped tokens are zero vectors).
   * @param codes `[B, T', H', W', d]`
   * @returns `[B, T, H, W, C]`, `0.5 * out + 0.5` (not clamped, so gradients flow everywhere)
   */
  decode(codes: tf.Tensor): tf.Tensor {
    const c = this.config;
    const p = this.params;
    const stages = stageFactors(c.downsample);
    let h = conv3d(p, 'decoder.in', codes);
    for (let i = stages.length; i >= 0; i--) {
      for (let r = 0; r < c.resBlocks[i]; r++) h = resBlock(p, `decoder.levels.${i}.res.${r}`, h);
      if (i > 0) h = depthToSpace(conv3d(p, `decoder.levels.${i}.up`, h), stages[i - 1]);
    }
    return tf.add(tf.mul(conv3d(p, 'decoder.out', silu(h)), 0.5), 0.5);
  }

  /** Encoder, quantizer and scorer. `clips` `[B, T, H, W, C]`. */
  forward(clips: tf.Tensor): TokenizerOutputs {
    const latents = this.encode(clips);
    const codes = this.quantize(latents);
    return { latents, codes, priorities: this.score(codes) };
  }

  /**
   * Codes with every token outside `mask` set to zero.
   * @param codes `[B, T', H', W', d]`
   * @param mask `[B, N]` (hard or soft)
   */
  maskCodes(codes: tf.Tensor, mask: tf.Tensor): tf.Tensor {
    return tf.mul(codes, tf.reshape(mask, [...codes.shape.slice(0, 4), 1]));
  }

  /**
   * The training losses of a batch: `loss.full * mse(decode(codes))` + `loss.budget * mse(decode(codes *
   * softTopk(priorities)))` + `loss.l1 * (L1 of both)` + the quantizer's auxiliary loss (LFQ: entropy and
   * commitment). Draws the top-k noise from the model's own seeded stream.
   * @param clips `[B, T, H, W, C]` in [0, 1]
   */
  losses(clips: tf.Tensor): TokenizerLosses {
    const c = this.config;
    const { latents, codes, priorities } = this.forward(clips);
    const [b, n] = priorities.shape;
    const k = budgetTokens(c, n);
    const noise = gaussianNoise([b, c.topk.samples, n], this.noiseRng);
    const soft = perturbedTopk(priorities, noise, k, c.topk.sigma);
    // one decoder pass over both code sets (half the ops of two passes)
    const both = this.decode(tf.concat([codes, this.maskCodes(codes, soft)], 0));
    const rows = tf.reshape(both, [2, -1]); // 2-D slices: 5-D Slice is ~60x slower on wasm
    const full = tf.reshape(tf.slice(rows, [0, 0], [1, -1]), clips.shape);
    const atBudget = tf.reshape(tf.slice(rows, [1, 0], [1, -1]), clips.shape);
    const errFull = tf.sub(full, clips);
    const errBudget = tf.sub(atBudget, clips);
    const mseFull = tf.mean(tf.square(errFull)) as tf.Scalar;
    const mseBudget = tf.mean(tf.square(errBudget)) as tf.Scalar;
    let total = tf.add(tf.mul(mseFull, c.loss.full), tf.mul(mseBudget, c.loss.budget));
    if (c.loss.l1 > 0)
      total = tf.add(total, tf.mul(tf.add(tf.mean(tf.abs(errFull)), tf.mean(tf.abs(errBudget))), c.loss.l1));
    let aux = tf.scalar(0);
    const q = c.quantizer;
    if (q.kind === 'lfq') {
      const ent = lfqEntropyLoss(latents, q.bits, q.temperature, q.gamma).loss;
      aux = tf.add(tf.mul(ent, q.entropyWeight), tf.mul(commitmentLoss(latents, codes), q.commitWeight));
    }
    return {
      total: tf.add(total, aux) as tf.Scalar,
      full: mseFull,
      budget: mseBudget,
      aux: aux as tf.Scalar,
    };
  }

  /** {@link TrainableModel.loss}: `losses(batch.clips).total`. */
  loss(batch: Record<string, tf.Tensor>): tf.Scalar {
    const clips = batch.clips;
    if (!clips)
      throw new ShapeError('tokenizer batch needs "clips" [B, T, H, W, C]', {
        name: 'clips',
        expected: ['B', 'T', 'H', 'W', 'C'],
        actual: [],
      });
    return this.losses(clips).total;
  }

  /**
   * Reconstructions at the full token set and at a hard budget mask.
   * @param clips `[B, T, H, W, C]`
   * @param mask `[B, N]` in {0, 1}; default: the scorer's top-k at the config's budget
   * @returns `full` and `budget` `[B, T, H, W, C]`, `priorities` `[B, N]`, `ids` `[B, N]`, `mask` `[B, N]`
   */
  reconstruct(
    clips: tf.Tensor,
    mask?: tf.Tensor,
  ): { full: tf.Tensor; budget: tf.Tensor; priorities: tf.Tensor; ids: tf.Tensor; mask: tf.Tensor } {
    return tf.tidy(() => {
      const { codes, priorities } = this.forward(clips);
      const m = mask ?? topkMask(priorities, budgetTokens(this.config, priorities.shape[1] as number));
      return {
        full: this.decode(codes),
        budget: this.decode(this.maskCodes(codes, m)),
        priorities,
        ids: this.ids(codes),
        mask: tf.clone(m),
      };
    });
  }

  /** Frees every parameter. */
  dispose(): void {
    disposeParams(this.params);
  }
}

function checkClips(clips: tf.Tensor, c: TokenizerConfig): void {
  if (clips.rank !== 5 || clips.shape[4] !== c.channels)
    throw new ShapeError(`clips must be [B, T, H, W, ${c.channels}], got [${clips.shape}]`, {
      name: 'clips',
      expected: ['B', 'T', 'H', 'W', c.channels],
      actual: clips.shape,
    });
  latentGrid([clips.shape[1], clips.shape[2], clips.shape[3]] as [number, number, number], c.downsample);
}

/** `x + conv2(silu(conv1(silu(x))))`, both 3x3x3 at x's width. */
function resBlock(p: Params, name: string, x: tf.Tensor): tf.Tensor {
  const h = conv3d(p, `${name}.conv1`, silu(x));
  return tf.add(x, conv3d(p, `${name}.conv2`, silu(h)));
}

/** Creates every parameter of a tokenizer (encoder, decoder, scorer) from a seed. */
export function initTokenizerParams(config: TokenizerConfig, seed: SeedOrRng): Params {
  const rng = toRng(seed);
  const p = createParams();
  const c = config;
  const w = c.widths;
  const d = codeDim(c);
  const stages = stageFactors(c.downsample);
  const res = (name: string, width: number) => {
    initConv3d(p, `${name}.conv1`, width, width, 3, rng);
    initConv3d(p, `${name}.conv2`, width, width, 3, rng, { gain: RESIDUAL_GAIN });
  };
  initConv3d(p, 'encoder.stem', c.channels, w[0], 3, rng);
  for (let i = 0; i <= stages.length; i++) {
    for (let r = 0; r < c.resBlocks[i]; r++) res(`encoder.levels.${i}.res.${r}`, w[i]);
    if (i < stages.length)
      initConv3d(p, `encoder.levels.${i}.down`, w[i] * prod(stages[i]), w[i + 1], 1, rng);
  }
  initConv3d(p, 'encoder.out', w[stages.length], d, 1, rng);
  initConv3d(p, 'decoder.in', d, w[stages.length], 1, rng);
  for (let i = stages.length; i >= 0; i--) {
    for (let r = 0; r < c.resBlocks[i]; r++) res(`decoder.levels.${i}.res.${r}`, w[i]);
    if (i > 0) initConv3d(p, `decoder.levels.${i}.up`, w[i], w[i - 1] * prod(stages[i - 1]), 1, rng);
  }
  initConv3d(p, 'decoder.out', w[0], c.channels, 3, rng);
  let inC = d;
  for (let i = 0; i < c.scorer.layers; i++) {
    initConv3d(p, `scorer.convs.${i}`, inC, c.scorer.width, 3, rng);
    inC = c.scorer.width;
  }
  initConv3d(p, 'scorer.out', inC, 1, 1, rng);
  return p;
}
