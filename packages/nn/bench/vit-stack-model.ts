/**
 * The benchmark's model, loadable by data-parallel workers: a ViT-S/16 block stack (timm names) with
 * a final norm and an MSE loss against a target, the shape of an MAE encoder step on visible tokens.
 */
import { Rng } from '@vfmkit/core';
import {
  initLayerNorm,
  initTransformerBlock,
  layerNorm,
  type TrainableModel,
  tf,
  transformerBlock,
} from '../src/index';
import { createParams } from '../src/params';

export interface StackConfig {
  depth: number;
  dim: number;
  heads: number;
  seed: number;
}

export function buildModel(config: StackConfig): TrainableModel {
  const rng = new Rng(config.seed);
  const params = createParams();
  for (let i = 0; i < config.depth; i++) initTransformerBlock(params, `blocks.${i}`, config.dim, rng.fork());
  initLayerNorm(params, 'norm', config.dim);
  return {
    params,
    loss(batch) {
      let x = batch.x;
      for (let i = 0; i < config.depth; i++)
        x = transformerBlock(params, `blocks.${i}`, x, { heads: config.heads });
      return tf.mean(tf.square(tf.sub(layerNorm(params, 'norm', x), batch.target))) as tf.Scalar;
    },
  };
}
