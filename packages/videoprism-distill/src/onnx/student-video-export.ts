import type { GraphBuilder } from '@vfmkit/onnx';
import type { NamedWeights } from '@vfmkit/vit-encoder';
import { buildVitGraph } from '@vfmkit/vit-encoder/onnx';
import type { DistillConfig, DistillConfigInput } from '../config';
import {
  appendAttentionPool,
  appendLayerNorm,
  appendLinear,
  appendTransformerBlock,
  type BlockSize,
} from './graph-parts';
import {
  isStudentVideo,
  resolveStudentVideo,
  STUDENT_GLOBAL_EPS,
  type StudentVideoConfig,
  selectStudentVideoWeights,
  studentGlobalHidden,
  studentVideoConfig,
} from './student-video-config';
import type { VideoTowerOnnxOptions } from './video-tower-export';

/** Options of {@link buildStudentVideoGraph}: the video tower export's (clip size, weight storage, attention, ...). */
export type StudentVideoOnnxOptions = VideoTowerOnnxOptions;

/**
 * The stage-2 student's global path as a video tower graph, the interface of
 * `buildVideoTowerGraph`: input `clips` `[B, T, H, W, C]` float32 in [0, 1]; outputs `tokens`
 * `[B, N, Ds]` and `pooled` `[B, Ds]` (the student ViT's, from `@vfmkit/vit-encoder`'s `buildVitGraph`)
 * and `embedding` `[B, Dt]` (NOT normalised), Dt = the teacher's width. The student sees every token
 * (no mask), then `global.embed`, the global blocks, `global.norm`, the one-query pool `global.pool`
 * and `global.head`: what `DistillModel.embedVideo` computes in tfjs. The global blocks follow the
 * export's `attention` option (`fused` by default, as the ViT's); the pool is MatMul + Softmax + MatMul.
 * @param config a `StudentVideoConfig` or the stage-2 config it comes from (see `studentVideoConfig`).
 * @param weights the student ViT's and the `global.*` weights; others (`local.*`, `teacher.*`) are ignored.
 * @throws ConfigError for a bad config or clip size, or a student without a global branch;
 *   CheckpointError for a missing or mis-shaped weight.
 */
export function buildStudentVideoGraph(
  config: StudentVideoConfig | DistillConfigInput | DistillConfig,
  weights: NamedWeights,
  options: StudentVideoOnnxOptions = {},
): GraphBuilder {
  const c = isStudentVideo(config) ? resolveStudentVideo(config) : studentVideoConfig(config);
  const selected = selectStudentVideoWeights(c, weights);
  const encoder: NamedWeights = new Map();
  for (const [name, w] of selected) if (!name.startsWith('global.')) encoder.set(name, w);
  const g = buildVitGraph(c.encoder, encoder, { ...options, layers: [], visibleInput: false });
  const gw = c.global.width;
  const size: BlockSize = {
    width: gw,
    heads: c.global.heads,
    hidden: studentGlobalHidden(c),
    eps: STUDENT_GLOBAL_EPS,
  };
  const attention = options.attention ?? 'fused';
  let x = appendLinear(g, selected, 'tokens', 'global.embed', gw, c.encoder.width);
  for (let i = 0; i < c.global.depth; i++)
    x = appendTransformerBlock(g, selected, x, `global.blocks.${i}`, size, attention);
  const normed = appendLayerNorm(g, selected, x, 'global.norm', gw, STUDENT_GLOBAL_EPS);
  const pooled = appendAttentionPool(g, selected, normed, 'global.pool', size);
  const embedding = appendLinear(g, selected, pooled, 'global.head', c.embedDim, gw);
  g.output(embedding, 'float32', { name: 'embedding', dims: ['batch', c.embedDim] });
  return g;
}

/** The student's global path as ONNX bytes (see {@link buildStudentVideoGraph}). */
export function exportStudentVideoOnnx(
  config: StudentVideoConfig | DistillConfigInput | DistillConfig,
  weights: NamedWeights,
  options: StudentVideoOnnxOptions = {},
): Uint8Array {
  return buildStudentVideoGraph(config, weights, options).toBuffer();
}
