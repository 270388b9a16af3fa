import { type SeedOrRng, ShapeError, toRng } from '@vfmkit/core';
import { tf } from './backend';
import { ParamError } from './errors';
import { addParam, getParam, type Params } from './params';

/**
 * 3-D convolution, stride 1, zero "same" padding, odd kernels, channels last, built from 2-D matmuls:
 * the sum over kernel offsets of a shifted slice of the padded input times that offset's `[IN, OUT]`
 * weight matrix. The gradient is explicit: the input gradient is the same shift-and-sum with the
 * flipped, transposed kernel; the weight gradient is `dY^T @ slice` per offset. Neither uses the
 * wasm backend's conv3d kernels (whose gradients are wrong) nor a 5-D slice (60x slower than 4-D):
 * `[B, T, H, W, C]` is viewed as `[B, T, H, W * C]`.
 */

type Kernel = readonly [number, number, number];

function kernelOf(w: tf.Tensor): Kernel {
  return [w.shape[2], w.shape[3], w.shape[4]] as Kernel;
}

/**
 * Per-offset matrices of a `[OUT, IN, kt, kh, kw]` weight, offsets in (t, h, w) order: `[IN, OUT]` each
 * (`transposed`) or `[OUT, IN]`, optionally in reversed offset order (the flipped kernel). Only rank <= 3
 * transposes and 2-D slices: 5-D Transpose and Unpack are slow on wasm.
 */
function offsetMatrices(weight: tf.Tensor, transposed: boolean, flipped: boolean): tf.Tensor2D[] {
  const [out, inp, kt, kh, kw] = weight.shape;
  const k = kt * kh * kw;
  // [OUT * IN, K] -> [K, OUT * IN] -> [K, OUT, IN] (-> [K, IN, OUT])
  let stacked: tf.Tensor = tf.reshape(tf.transpose(tf.reshape(weight, [out * inp, k])), [k, out, inp]);
  if (transposed) stacked = tf.transpose(stacked, [0, 2, 1]);
  const [rows, cols] = transposed ? [inp, out] : [out, inp];
  const flat = tf.reshape(stacked, [k * rows, cols]);
  const mats: tf.Tensor2D[] = [];
  for (let i = 0; i < k; i++) {
    const j = flipped ? k - 1 - i : i;
    mats.push(tf.slice(flat, [j * rows, 0], [rows, cols]) as tf.Tensor2D);
  }
  return mats;
}

/** `y[b,t,h,w] = sum_k slice_k(pad(x))[b,t,h,w] @ mats[k]`, x `[B, T, H, W, C]`, mats `[C, OUT]`. */
function shiftAndSum(x: tf.Tensor, mats: readonly tf.Tensor2D[], kernel: Kernel): tf.Tensor {
  const [b, t, h, w, c] = x.shape;
  const out = mats[0].shape[1];
  const [kt, kh, kw] = kernel;
  const [pt, ph, pw] = [(kt - 1) / 2, (kh - 1) / 2, (kw - 1) / 2];
  const m = b * t * h * w;
  if (kt * kh * kw === 1) return tf.reshape(tf.matMul(tf.reshape(x, [m, c]), mats[0]), [b, t, h, w, out]);
  const x4 = tf.reshape(x, [b, t, h, w * c]);
  const xp = tf.pad(x4, [
    [0, 0],
    [pt, pt],
    [ph, ph],
    [pw * c, pw * c],
  ]);
  const terms: tf.Tensor[] = [];
  let i = 0;
  for (let dt = 0; dt < kt; dt++)
    for (let dh = 0; dh < kh; dh++)
      for (let dw = 0; dw < kw; dw++) {
        const s = tf.slice(xp, [0, dt, dh, dw * c], [b, t, h, w * c]);
        terms.push(tf.matMul(tf.reshape(s, [m, c]), mats[i++]));
      }
  return tf.reshape(tf.addN(terms), [b, t, h, w, out]);
}

/** `sum_k dY^T @ slice_k(pad(x))`, stacked to the `[OUT, IN, kt, kh, kw]` weight layout. */
function weightGrad(x: tf.Tensor, dy: tf.Tensor, kernel: Kernel): tf.Tensor {
  const [b, t, h, w, c] = x.shape;
  const out = dy.shape[4] as number;
  const [kt, kh, kw] = kernel;
  const [pt, ph, pw] = [(kt - 1) / 2, (kh - 1) / 2, (kw - 1) / 2];
  const m = b * t * h * w;
  const dyT = tf.transpose(tf.reshape(dy, [m, out]));
  const xp = tf.pad(tf.reshape(x, [b, t, h, w * c]), [
    [0, 0],
    [pt, pt],
    [ph, ph],
    [pw * c, pw * c],
  ]);
  const grads: tf.Tensor[] = [];
  for (let dt = 0; dt < kt; dt++)
    for (let dh = 0; dh < kh; dh++)
      for (let dw = 0; dw < kw; dw++) {
        const s = tf.slice(xp, [0, dt, dh, dw * c], [b, t, h, w * c]);
        grads.push(tf.matMul(dyT, tf.reshape(s, [m, c])));
      }
  // [K, OUT * IN] -> [OUT * IN, K] -> [OUT, IN, kt, kh, kw]
  return tf.reshape(tf.transpose(tf.reshape(tf.stack(grads), [kt * kh * kw, out * c])), [out, c, kt, kh, kw]);
}

const conv3dOp = tf.customGrad((x, weight, save) => {
  (save as tf.GradSaveFunc)([x as tf.Tensor, weight as tf.Tensor]);
  const kernel = kernelOf(weight as tf.Tensor);
  const y = tf.tidy(() =>
    shiftAndSum(x as tf.Tensor, offsetMatrices(weight as tf.Tensor, true, false), kernel),
  );
  return {
    value: y,
    gradFunc: (dy, saved) => {
      const [sx, sw] = saved as tf.Tensor[];
      const g = dy as tf.Tensor;
      return [shiftAndSum(g, offsetMatrices(sw, false, true), kernel), weightGrad(sx, g, kernel)];
    },
  };
}) as (x: tf.Tensor, w: tf.Tensor) => tf.Tensor;

/**
 * The convolution itself (no bias): stride 1, zero padding `(k - 1) / 2` per side, so the output keeps
 * the input's `[T, H, W]`. Same math as PyTorch's `F.conv3d(x, w, padding=k // 2)` on channels-first data.
 * @param x `[B, T, H, W, IN]`
 * @param weight `[OUT, IN, kt, kh, kw]` (PyTorch layout), odd kt, kh, kw
 * @returns `[B, T, H, W, OUT]`
 * @throws ShapeError for a non-5-D input, mismatched channels or an even kernel size.
 */
export function conv3dSame(x: tf.Tensor, weight: tf.Tensor): tf.Tensor {
  if (x.rank !== 5)
    throw new ShapeError(`conv3d input must be [B, T, H, W, C], got [${x.shape}]`, {
      name: 'x',
      expected: ['B', 'T', 'H', 'W', 'C'],
      actual: x.shape,
    });
  if (weight.rank !== 5 || weight.shape[1] !== x.shape[4] || weight.shape.slice(2).some((k) => k % 2 === 0))
    throw new ShapeError(
      `conv3d weight must be [OUT, ${x.shape[4]}, kt, kh, kw] with odd kernel sizes, got [${weight.shape}]`,
      { name: 'weight', expected: [null, x.shape[4] as number, 'odd', 'odd', 'odd'], actual: weight.shape },
    );
  return conv3dOp(x, weight);
}

/**
 * A 3-D convolution layer: `${name}.weight` `[OUT, IN, kt, kh, kw]` and optional `${name}.bias` `[OUT]`
 * (PyTorch's `nn.Conv3d` layout, so weights move to ONNX `Conv` and PyTorch unchanged).
 * @param x `[B, T, H, W, IN]`
 * @returns `[B, T, H, W, OUT]`
 */
export function conv3d(params: Params, name: string, x: tf.Tensor): tf.Tensor {
  const w = getParam(params, `${name}.weight`, [null, x.shape[x.rank - 1], null, null, null]);
  const b = params.get(`${name}.bias`);
  const y = conv3dSame(x, w);
  return b ? tf.add(y, b) : y;
}

export interface Conv3dInit {
  /** Add `${name}.bias` (zeros). Default true. */
  readonly bias?: boolean;
  /** Multiplies the default init (e.g. 0 for a residual branch's last convolution). Default 1. */
  readonly gain?: number;
}

/**
 * Adds a {@link conv3d} layer's weights: U(-a, a) with `a = gain / sqrt(IN * kt * kh * kw)` (PyTorch's
 * `nn.Conv3d` default bound with `gain` 1), drawn from core's Rng.
 * @throws ParamError for an even or non-positive kernel size.
 */
export function initConv3d(
  params: Params,
  name: string,
  inChannels: number,
  outChannels: number,
  kernel: number | readonly [number, number, number],
  seed: SeedOrRng,
  options: Conv3dInit = {},
): void {
  const k = typeof kernel === 'number' ? ([kernel, kernel, kernel] as const) : kernel;
  if (k.some((v) => !Number.isInteger(v) || v < 1 || v % 2 === 0))
    throw new ParamError(`conv3d "${name}": kernel sizes must be odd positive integers, got [${k}]`, {
      name,
      kernel: k,
    });
  const rng = toRng(seed);
  const fan = inChannels * k[0] * k[1] * k[2];
  const a = (options.gain ?? 1) / Math.sqrt(fan);
  const data = new Float32Array(outChannels * fan);
  for (let i = 0; i < data.length; i++) data[i] = rng.range(-a, a);
  addParam(params, `${name}.weight`, tf.tensor(data, [outChannels, inChannels, k[0], k[1], k[2]]));
  if (options.bias ?? true) addParam(params, `${name}.bias`, tf.zeros([outChannels]));
}
