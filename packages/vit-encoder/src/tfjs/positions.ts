import type { TokenGrid } from '@vfmkit/core';
import { matmul, type Params, tf } from '@vfmkit/nn';
import { type VitConfig, vitTokenGrid } from '../config';
import { gridInterpolationMatrix, interpolatePositions, sincosTable } from '../pos-embed';

function sameGrid(a: TokenGrid, b: TokenGrid): boolean {
  return a.t === b.t && a.h === b.h && a.w === b.w;
}

/**
 * The encoder's positional table `[N, D]` for `grid`. At the training grid it is the stored table itself
 * (an exact no-op); otherwise it is resampled trilinearly (per axis for `separable`) through a constant
 * interpolation matrix, so learned tables keep their gradient.
 */
export function encoderPositions(params: Params, config: VitConfig, grid: TokenGrid): tf.Tensor2D {
  const train = vitTokenGrid(config);
  const d = config.width;
  const same = sameGrid(train, grid);
  if (config.posEmbed === 'sincos') {
    const table = sincosTable(train.t * train.h * train.w, d);
    return tf.tensor2d(interpolatePositions(table, d, train, grid), [grid.t * grid.h * grid.w, d]);
  }
  if (config.posEmbed === 'learned') {
    const table = params.get('pos_embed') as tf.Variable<tf.Rank.R2>;
    if (same) return table;
    const m = gridInterpolationMatrix(train, grid);
    return matmul(tf.tensor2d(m, [grid.t * grid.h * grid.w, train.t * train.h * train.w]), table);
  }
  let time = params.get('pos_embed_time') as tf.Tensor2D;
  let space = params.get('pos_embed_space') as tf.Tensor2D;
  if (grid.t !== train.t) {
    const mt = gridInterpolationMatrix({ t: train.t, h: 1, w: 1 }, { t: grid.t, h: 1, w: 1 });
    time = matmul(tf.tensor2d(mt, [grid.t, train.t]), time);
  }
  if (grid.h !== train.h || grid.w !== train.w) {
    const ms = gridInterpolationMatrix({ t: 1, h: train.h, w: train.w }, { t: 1, h: grid.h, w: grid.w });
    space = matmul(tf.tensor2d(ms, [grid.h * grid.w, train.h * train.w]), space);
  }
  const sum = tf.add(tf.reshape(time, [grid.t, 1, d]), tf.reshape(space, [1, grid.h * grid.w, d]));
  return tf.reshape(sum, [grid.t * grid.h * grid.w, d]);
}
