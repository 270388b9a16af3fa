import { tf } from '@vfmkit/nn';

/**
 * Folds `[st, sh, sw]` neighbourhoods into channels: `[B, T, H, W, C]` -> `[B, T/st, H/sh, W/sw, st*sh*sw*C]`,
 * one axis at a time with rank-4 transposes (fast on wasm, and the same ops in ONNX). Channel order,
 * slowest first: `sw`, `sh`, `st`, `C`.
 * @param x `[B, T, H, W, C]`
 */
export function spaceToDepth(x: tf.Tensor, [st, sh, sw]: readonly [number, number, number]): tf.Tensor {
  let [b, t, h, w, c] = x.shape as number[];
  let y = x;
  if (st > 1) {
    t /= st;
    y = tf.transpose(tf.reshape(y, [b * t, st, h * w, c]), [0, 2, 1, 3]);
    c *= st;
    y = tf.reshape(y, [b, t, h, w, c]);
  }
  if (sh > 1) {
    h /= sh;
    y = tf.transpose(tf.reshape(y, [b * t * h, sh, w, c]), [0, 2, 1, 3]);
    c *= sh;
    y = tf.reshape(y, [b, t, h, w, c]);
  }
  if (sw > 1) {
    w /= sw;
    c *= sw;
    y = tf.reshape(y, [b, t, h, w, c]);
  }
  return y;
}

/**
 * The inverse of {@link spaceToDepth}: `[B, T, H, W, st*sh*sw*C]` -> `[B, T*st, H*sh, W*sw, C]`.
 * @param x `[B, T, H, W, st*sh*sw*C]`
 */
export function depthToSpace(x: tf.Tensor, [st, sh, sw]: readonly [number, number, number]): tf.Tensor {
  let [b, t, h, w, c] = x.shape as number[];
  let y = x;
  if (sw > 1) {
    w *= sw;
    c /= sw;
    y = tf.reshape(y, [b, t, h, w, c]);
  }
  if (sh > 1) {
    c /= sh;
    y = tf.transpose(tf.reshape(y, [b * t * h, w, sh, c]), [0, 2, 1, 3]);
    h *= sh;
    y = tf.reshape(y, [b, t, h, w, c]);
  }
  if (st > 1) {
    c /= st;
    y = tf.transpose(tf.reshape(y, [b * t, h * w, st, c]), [0, 2, 1, 3]);
    t *= st;
    y = tf.reshape(y, [b, t, h, w, c]);
  }
  return y;
}
