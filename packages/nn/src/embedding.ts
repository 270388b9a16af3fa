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
  const e = table.shape[1];
  const rows = gatherWithScatterGrad(table, tf.reshape(ids, [-1])) as tf.Tensor2D;
  return ids.rank === 1 ? rows : tf.reshape(rows, [...ids.shape, e]);
}

/**
 * `tf.gather` whose gradient is a scatterND (sums duplicate rows; works on wasm). The ids enter as a
 * saved input, not through a closure: `tf.variableGrads` disposes tensors made in the forward scope
 * before the backward pass runs, and a closed-over index tensor would be gone by then.
 */
const gatherWithScatterGrad = tf.customGrad(((table: tf.Tensor, ids: tf.Tensor, save: tf.GradSaveFunc) => {
  save([ids]);
  const shape = (table as tf.Tensor2D).shape;
  return {
    value: tf.gather(table as tf.Tensor2D, ids as tf.Tensor1D),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [idx] = saved;
      return [tf.scatterND(tf.reshape(idx, [-1, 1]), dy as tf.Tensor2D, shape), tf.zerosLike(idx)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (table: tf.Tensor, ids: tf.Tensor) => tf.Tensor;

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
