import {
  ConfigError,
  tokenCount,
  type VitShape,
  vitShapeForwardMacs,
  vitShapeParameterCount,
} from '@vfmkit/core';
import { type VitConfig, vitTokenGrid } from './config';
import type { MaeDecoderConfig } from './mae-config';
import { maeDecoderWeightSpecs, maeTargetDim, vitWeightSpecs, type WeightSpec } from './weights';

/*
 * Counting conventions (state them wherever a number is reported):
 * - Parameters: every trainable weight listed by `vitWeightSpecs` (the fixed sin-cos table is not one).
 * - MACs: multiply-accumulates of the matrix products only: patch embedding, q/k/v, Q.K^T, A.V, output
 *   projection, the two MLP layers (and the class head when present). Layer norms, softmax, GELU,
 *   biases and residual adds are not counted. This is VideoMAE's "180 GFLOPs" for ViT-B/16 on
 *   16 x 224 x 224, which counts MACs. VideoGLUE counts 2 FLOPs per MAC: use `vitForwardFlops`.
 */

function sumSizes(specs: readonly WeightSpec[]): number {
  let n = 0;
  for (const s of specs) n += s.shape.reduce((a, b) => a * b, 1);
  return n;
}

/** The architecture part of a config as `@vfmkit/core`'s {@link VitShape} (shared with `videoglue-score`). */
export function vitShapeOf(config: VitConfig): VitShape {
  return {
    width: config.width,
    depth: config.depth,
    heads: config.heads,
    mlpDim: config.mlpDim,
    tubelet: config.tubelet,
    channels: config.channels,
    qkvBias: config.qkvBias,
    finalNorm: config.finalNorm !== 'none',
  };
}

/** Rows of learned positional tables: N (learned), T' + H'W' (separable), 0 (fixed sin-cos). */
function positionRows(config: VitConfig): number {
  const grid = vitTokenGrid(config);
  if (config.posEmbed === 'learned') return tokenCount(grid);
  if (config.posEmbed === 'separable') return grid.t + grid.h * grid.w;
  return 0;
}

/**
 * Exact number of trainable encoder parameters of a config (core's `vitShapeParameterCount` plus the class
 * head when `numClasses` > 0). Equals the sum of the sizes of {@link vitWeightSpecs}.
 */
export function vitParameterCount(config: VitConfig): number {
  const head = config.numClasses > 0 ? config.width * config.numClasses + config.numClasses : 0;
  return vitShapeParameterCount(vitShapeOf(config), { posEmbedTokens: positionRows(config) }) + head;
}

/** Sum of the sizes of the weights a config declares (a cross-check of {@link vitParameterCount}). */
export function vitWeightCount(config: VitConfig): number {
  return sumSizes(vitWeightSpecs(config));
}

/** Exact number of trainable parameters of an MAE decoder. */
export function maeDecoderParameterCount(encoder: VitConfig, decoder: MaeDecoderConfig): number {
  return sumSizes(maeDecoderWeightSpecs(encoder, decoder));
}

function checkTokens(tokens: number, key: string): void {
  if (!Number.isInteger(tokens) || tokens <= 0) {
    throw new ConfigError(`${key} must be a positive integer, got ${tokens}`, { key, value: tokens });
  }
}

/** MACs of `depth` pre-norm blocks of width `d` and MLP size `m` over `n` tokens. */
function blockMacs(n: number, d: number, m: number, depth: number): number {
  const projections = 4 * n * d * d; // q, k, v, output
  const attention = 2 * n * n * d; // Q.K^T and A.V over all heads
  const mlp = 2 * n * d * m;
  return depth * (projections + attention + mlp);
}

/**
 * Multiply-accumulates of one encoder forward pass for one clip (see the conventions above).
 * @param options.tokens tokens the encoder processes: the full grid by default, fewer for visible
 *   tokens only (MAE); every token is patch-embedded and attends to every other.
 * @example vitForwardMacs(decodeVariant('B/16')) // ~180.4e9 at 16 x 224 x 224 (1568 tokens)
 */
export function vitForwardMacs(config: VitConfig, options: { tokens?: number } = {}): number {
  const n = options.tokens ?? tokenCount(vitTokenGrid(config));
  checkTokens(n, 'tokens');
  return vitShapeForwardMacs(vitShapeOf(config), n) + config.numClasses * config.width;
}

/** FLOPs of one encoder forward pass at 2 FLOPs per MAC (VideoGLUE's convention): `2 * vitForwardMacs`. */
export function vitForwardFlops(config: VitConfig, options: { tokens?: number } = {}): number {
  return 2 * vitForwardMacs(config, options);
}

/**
 * MACs of the MAE decoder for one clip: embedding `visible` encoder tokens, `decoded` tokens through the
 * blocks (visible + mask tokens), and the head on the `predicted` tokens (those the decoder mask selects).
 */
export function maeDecoderMacs(
  encoder: VitConfig,
  decoder: MaeDecoderConfig,
  tokens: { visible: number; decoded: number; predicted: number },
): number {
  checkTokens(tokens.visible, 'visible');
  checkTokens(tokens.decoded, 'decoded');
  checkTokens(tokens.predicted, 'predicted');
  const embed = tokens.visible * encoder.width * decoder.width;
  const head = tokens.predicted * decoder.width * maeTargetDim(encoder, decoder);
  return embed + blockMacs(tokens.decoded, decoder.width, decoder.mlpDim, decoder.depth) + head;
}
