import { ConfigError } from './errors';
import type { Tubelet } from './types';

/**
 * The architecture of a (video) Vision Transformer encoder, enough to count its parameters and
 * compute exactly: pre-norm blocks of multi-head self-attention and a 2-layer MLP, a tubelet patch
 * embedding (a linear map of `t * p * p * channels` pixels to `width`), an optional class token and
 * an optional final layer norm. The runtime models (`@vfmkit/vit-encoder`) and the cost accounting
 * (`@vfmkit/videoglue-score`) share this description, so counts never drift from the model.
 *
 * Layer norms are affine (scale + bias); the attention output projection, both MLP layers and the
 * patch embedding carry biases; the QKV projection carries one when `qkvBias` is true.
 */
export interface VitShape {
  /** Token width D. */
  readonly width: number;
  /** Number of transformer blocks L. */
  readonly depth: number;
  /** Attention heads H. */
  readonly heads: number;
  /** Hidden size of each block's MLP (4 D for the standard variants). */
  readonly mlpDim: number;
  /** Tubelet `[t, p, p]`: frames and pixels per token along time, height, width. */
  readonly tubelet: Tubelet;
  /** Input channels (3 for RGB). */
  readonly channels: number;
  /** Whether the fused QKV projection has a bias. */
  readonly qkvBias: boolean;
  /** Whether a learned class token is prepended (it adds one token to every block). */
  readonly clsToken?: boolean;
  /** Per-head width; defaults to `width / heads`. */
  readonly headDim?: number;
  /** Whether a layer norm follows the last block (default true). */
  readonly finalNorm?: boolean;
}

/** Multiply-accumulates of one forward pass, by part. Every field counts MACs (1 MAC = 2 FLOPs). */
export interface VitMacs {
  /** Tubelet embedding: `N * (t p p C) * D`. */
  readonly patchEmbed: number;
  /** QKV and output projections over all blocks: `L * N' * 4 * D * H d`. */
  readonly attentionProjections: number;
  /** Q K^T and softmax(.) V over all blocks: `L * 2 * N'^2 * H d`. */
  readonly attentionMatrix: number;
  /** MLPs over all blocks: `L * 2 * N' * D * mlpDim`. */
  readonly mlp: number;
  /** Sum of the parts. */
  readonly total: number;
}

function positiveInt(key: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`ViT shape: ${key} must be a positive integer, got ${String(value)}`, {
      key,
      value,
    });
  }
}

/**
 * Checks a {@link VitShape}: positive integer sizes, a 3-element tubelet, and a width that the heads
 * divide (unless `headDim` is given).
 * @throws ConfigError naming the offending key.
 */
export function validateVitShape(shape: VitShape): void {
  for (const key of ['width', 'depth', 'heads', 'mlpDim', 'channels'] as const) positiveInt(key, shape[key]);
  if (!Array.isArray(shape.tubelet) || shape.tubelet.length !== 3) {
    throw new ConfigError('ViT shape: tubelet must be [t, p, p]', { key: 'tubelet', value: shape.tubelet });
  }
  for (let i = 0; i < 3; i++) positiveInt(`tubelet.${i}`, shape.tubelet[i]);
  if (shape.headDim !== undefined) positiveInt('headDim', shape.headDim);
  else if (shape.width % shape.heads !== 0) {
    throw new ConfigError(`ViT shape: width ${shape.width} is not divisible by heads ${shape.heads}`, {
      key: 'heads',
      width: shape.width,
      heads: shape.heads,
    });
  }
}

function innerWidth(shape: VitShape): number {
  return shape.heads * (shape.headDim ?? shape.width / shape.heads);
}

/** Number of input values one token embeds: `t * p * p * channels`. */
export function tubeletVolume(shape: VitShape): number {
  const [t, ph, pw] = shape.tubelet;
  return t * ph * pw * shape.channels;
}

/**
 * Parameters of one transformer block: two affine layer norms (4 D), QKV (3 D Hd [+ 3 Hd]),
 * output projection (Hd D + D), MLP (D M + M + M D + D).
 */
export function vitBlockParameterCount(shape: VitShape): number {
  validateVitShape(shape);
  const D = shape.width;
  const inner = innerWidth(shape);
  const M = shape.mlpDim;
  const norms = 4 * D;
  const qkv = 3 * D * inner + (shape.qkvBias ? 3 * inner : 0);
  const proj = inner * D + D;
  const mlp = D * M + M + M * D + D;
  return norms + qkv + proj + mlp;
}

/**
 * Parameters of the encoder: patch embedding (weights + bias), class token, learned positional
 * embeddings (`posEmbedTokens` rows of width D; 0 for fixed sin-cos embeddings), blocks, final norm.
 * No task head.
 * @example vitShapeParameterCount(vitB16Image, { posEmbedTokens: 197 }) // 85_798_656 (timm's ViT-B/16 without its head)
 */
export function vitShapeParameterCount(shape: VitShape, options: { posEmbedTokens?: number } = {}): number {
  validateVitShape(shape);
  const posTokens = options.posEmbedTokens ?? 0;
  if (!Number.isInteger(posTokens) || posTokens < 0) {
    throw new ConfigError(`posEmbedTokens must be a non-negative integer, got ${posTokens}`, {
      key: 'posEmbedTokens',
      value: posTokens,
    });
  }
  const D = shape.width;
  const patch = tubeletVolume(shape) * D + D;
  const cls = shape.clsToken ? D : 0;
  const pos = posTokens * D;
  const final = shape.finalNorm === false ? 0 : 2 * D;
  return patch + cls + pos + shape.depth * vitBlockParameterCount(shape) + final;
}

/**
 * Multiply-accumulates of one forward pass over `tokens` patch tokens (one clip; the class token, if
 * any, is added inside the blocks), by part. Convention: only matrix products are counted, 1 MAC per
 * multiply-add, as fvcore and VideoMAE do ("180 GFLOPs" for ViT-B on 16 x 224 x 224 is 180 GMACs);
 * VideoGLUE and VideoPrism count 2 FLOPs per MAC. Norms, softmax, GELU and bias adds are not counted
 * (together under 1% for ViT-B at 1568 tokens).
 */
export function vitMacsBreakdown(shape: VitShape, tokens: number): VitMacs {
  validateVitShape(shape);
  positiveInt('tokens', tokens);
  const D = shape.width;
  const inner = innerWidth(shape);
  const L = shape.depth;
  const n = tokens + (shape.clsToken ? 1 : 0);
  const patchEmbed = tokens * tubeletVolume(shape) * D;
  const attentionProjections = L * n * 4 * D * inner;
  const attentionMatrix = L * 2 * n * n * inner;
  const mlp = L * 2 * n * D * shape.mlpDim;
  return {
    patchEmbed,
    attentionProjections,
    attentionMatrix,
    mlp,
    total: patchEmbed + attentionProjections + attentionMatrix + mlp,
  };
}

/**
 * Multiply-accumulates of one forward pass over `tokens` patch tokens; see {@link vitMacsBreakdown}
 * for the convention. Multiply by 2 for FLOPs as VideoGLUE counts them.
 * @example vitShapeForwardMacs(vitB16Video, 1568) // ~1.80e11 (ViT-B on 8 x 14 x 14 tokens)
 */
export function vitShapeForwardMacs(shape: VitShape, tokens: number): number {
  return vitMacsBreakdown(shape, tokens).total;
}
