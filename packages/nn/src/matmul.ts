import { tf } from './backend';

/**
 * `a @ b` for 2-D tensors, with a gradient that transposes explicitly (`dA = dY @ transpose(B)`,
 * `dB = transpose(A) @ dY`) instead of using matMul's transpose flags, which are 10-20x slower on
 * the wasm backend.
 * @param a `[M, K]`
 * @param b `[K, N]`
 * @returns `[M, N]`
 */
export function matmul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return matmulOp(a, b) as tf.Tensor2D;
}

const matmulOp = tf.customGrad((a, b, save) => {
  (save as tf.GradSaveFunc)([a as tf.Tensor2D, b as tf.Tensor2D]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy, saved) => {
      const [sa, sb] = saved as tf.Tensor2D[];
      const g = dy as tf.Tensor2D;
      return [tf.matMul(g, tf.transpose(sb)), tf.matMul(tf.transpose(sa), g)];
    },
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/**
 * `x @ transpose(w)`, PyTorch's `nn.Linear` layout without the bias, with explicit-transpose gradients
 * (`dX = dY @ W`, `dW = transpose(dY) @ X`).
 * @param x `[M, IN]`
 * @param w `[OUT, IN]`
 * @returns `[M, OUT]`
 */
export function matmulTransposed(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return linearOp(x, w) as tf.Tensor2D;
}

const linearOp = tf.customGrad((x, w, save) => {
  (save as tf.GradSaveFunc)([x as tf.Tensor2D, w as tf.Tensor2D]);
  return {
    value: tf.matMul(x as tf.Tensor2D, tf.transpose(w as tf.Tensor2D)),
    gradFunc: (dy, saved) => {
      const [sx, sw] = saved as tf.Tensor2D[];
      const g = dy as tf.Tensor2D;
      return [tf.matMul(g, sw), tf.matMul(tf.transpose(g), sx)];
    },
  };
}) as (x: tf.Tensor, w: tf.Tensor) => tf.Tensor;
