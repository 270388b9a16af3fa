import { tf } from './backend';
import { addParam, getParam, type Params } from './params';

/**
 * Layer normalisation over the last axis with `${name}.weight` and `${name}.bias` `[D]` (PyTorch's
 * `nn.LayerNorm`, biased variance).
 * @param x `[..., D]`
 * @returns `[..., D]`
 */
export function layerNorm(params: Params, name: string, x: tf.Tensor, eps = 1e-6): tf.Tensor {
  const d = x.shape[x.shape.length - 1];
  const gamma = getParam(params, `${name}.weight`, [d]);
  const beta = getParam(params, `${name}.bias`, [d]);
  const { mean, variance } = tf.moments(x, -1, true);
  const xhat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(xhat, gamma), beta);
}

/** Adds `${name}.weight` (ones) and `${name}.bias` (zeros), both `[D]`. */
export function initLayerNorm(params: Params, name: string, dim: number): void {
  addParam(params, `${name}.weight`, tf.ones([dim]));
  addParam(params, `${name}.bias`, tf.zeros([dim]));
}
