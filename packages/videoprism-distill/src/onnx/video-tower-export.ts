import type { GraphBuilder } from '@vfmkit/onnx';
import { checkWeights, type NamedWeights } from '@vfmkit/vit-encoder';
import { buildVitGraph, type VitOnnxExportOptions } from '@vfmkit/vit-encoder/onnx';
import type { VideoTowerConfigInput } from '../config';
import {
  poolHidden,
  resolveVideoTower,
  splitTowerWeights,
  type VideoTowerConfig,
  videoTowerWeightSpecs,
} from '../internal/tower';
import { appendAttentionPool } from './graph-parts';

/** Layer-norm epsilon of the pool's MLP branch (the tfjs tower's `POOL_EPS`). */
const POOL_EPS = 1e-6;

/** Options of {@link buildVideoTowerGraph}: the ViT exporter's, without intermediate layers or a visible index. */
export type VideoTowerOnnxOptions = Omit<VitOnnxExportOptions, 'layers' | 'visibleInput'>;

/**
 * The video tower as an ONNX graph: `@vfmkit/vit-encoder`'s `buildVitGraph` (input `clips`
 * `[B, T, H, W, C]` float32 in [0, 1]; outputs `tokens` `[B, N, D]` and its mean `pooled`) followed by
 * the one-query attention pool, output `embedding` `[B, D]` (NOT normalised, the same as the tfjs
 * tower's `forward(...).embedding`). The pool's query projection depends only on weights, so it is
 * folded into a constant `[1, H, 1, dh]`; attention is MatMul + Softmax + MatMul, GELU exact (Erf).
 * @throws CheckpointError for weights that do not fit the config; ConfigError for a bad config or clip size.
 */
export function buildVideoTowerGraph(
  config: VideoTowerConfigInput | VideoTowerConfig,
  weights: NamedWeights,
  options: VideoTowerOnnxOptions = {},
): GraphBuilder {
  const c = resolveVideoTower(config);
  checkWeights(weights, videoTowerWeightSpecs(c));
  const { encoder, pool } = splitTowerWeights(weights);
  const g = buildVitGraph(c.encoder, encoder, { ...options, layers: [], visibleInput: false });
  const embedding = appendAttentionPool(g, pool, 'tokens', 'pool', {
    width: c.encoder.width,
    heads: c.poolHeads,
    hidden: poolHidden(c),
    eps: POOL_EPS,
  });
  g.output(embedding, 'float32', { name: 'embedding', dims: ['batch', c.encoder.width] });
  return g;
}

/** The video tower as ONNX bytes (see {@link buildVideoTowerGraph}). */
export function exportVideoTowerOnnx(
  config: VideoTowerConfigInput | VideoTowerConfig,
  weights: NamedWeights,
  options: VideoTowerOnnxOptions = {},
): Uint8Array {
  return buildVideoTowerGraph(config, weights, options).toBuffer();
}
