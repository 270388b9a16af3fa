import { type SeedOrRng, ShapeError } from '@vfmkit/core';
import { tf } from './backend';
import { truncNormal } from './init';
import { addParam, getParam, type Params } from './params';

/**
 * Row lookup `table[ids]` with a gradient that works on wasm (where `gather`'s own gradient needs the
 * missing UnsortedSegmentSum): the backward pass scatters `dy` with `scatterND`, which sums duplicates.
 * @param table `[V, E]`
 * @param ids int32 `[...]`, values in [0, V)
 * @returns `[..., E]`
 */
export function gatherRows(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
  if (ids.dtype !== 'int32')
    throw new ShapeError(`ids must be int32, got ${ids.dtype}`, {
      name: 'ids',
      expected: [],
      actual: ids.shape,
    });
  const [v, e] = table.shape;
  const flat = tf.reshape(ids, [-1]);
  const op = tf.customGrad((t) => ({
    value: tf.gather(t as tf.Tensor2D, flat),
    gradFunc: (dy) => tf.scatterND(tf.reshape(flat, [-1, 1]), dy as tf.Tensor2D, [v, e]),
  }));
  const rows = op(table) as tf.Tensor2D;
  return ids.rank === 1 ? rows : tf.reshape(rows, [...ids.shape, e]);
}

/**
 * Embedding lookup from `${name}.weight` `[V, E]` (PyTorch's `nn.Embedding`).
 * @param ids int32 `[...]`
 * @returns `[..., E]`
 */
export function embedding(params: Params, name: string, ids: tf.Tensor): tf.Tensor {
  return gatherRows(getParam(params, `${name}.weight`) as tf.Variable<tf.Rank.R2>, ids);
}

/** Adds `${name}.weight` `[V, E]` ~ truncated Normal(0, std) (default 0.02). */
export function initEmbedding(
  params: Params,
  name: string,
  vocab: number,
  dim: number,
  seed: SeedOrRng,
  std = 0.02,
): void {
  addParam(params, `${name}.weight`, truncNormal([vocab, dim], std, seed));
}
