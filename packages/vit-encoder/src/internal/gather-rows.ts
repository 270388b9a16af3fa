import { ShapeError } from '@vfmkit/core';
import { tf } from '@vfmkit/nn';

/**
 * `table[ids]` with a wasm-safe gradient (scatterND sums duplicate rows). The ids go into the custom
 * gradient as a saved input, so the backward pass still holds them after the forward scope is tidied
 * (`@vfmkit/nn`'s `gatherRows` closes over its index tensor, which `tf.variableGrads` disposes before
 * backprop).
 * @param table `[V, E]`
 * @param ids int32 `[...]`
 * @returns `[..., E]`
 */
export function gatherRowsSafe(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
  if (ids.dtype !== 'int32') {
    throw new ShapeError(`ids must be int32, got ${ids.dtype}`, {
      name: 'ids',
      expected: [],
      actual: ids.shape,
    });
  }
  const e = table.shape[1];
  const flat = tf.reshape(ids, [-1]);
  const rows = gatherOp(table, flat) as tf.Tensor2D;
  return ids.rank === 1 ? rows : tf.reshape(rows, [...ids.shape, e]);
}

const gatherOp = tf.customGrad(((table: tf.Tensor, ids: tf.Tensor, save: tf.GradSaveFunc) => {
  save([ids as tf.Tensor1D]);
  const shape = (table as tf.Tensor2D).shape;
  return {
    value: tf.gather(table as tf.Tensor2D, ids as tf.Tensor1D),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [idx] = saved as tf.Tensor1D[];
      return [tf.scatterND(tf.reshape(idx, [-1, 1]), dy as tf.Tensor2D, shape), tf.zerosLike(idx)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (table: tf.Tensor, ids: tf.Tensor) => tf.Tensor;
