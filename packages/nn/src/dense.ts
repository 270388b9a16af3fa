import { type SeedOrRng, toRng } from '@vfmkit/core';
import { tf } from './backend';
import { xavierUniform } from './init';
import { matmulTransposed } from './matmul';
import { addParam, getParam, type Params } from './params';

const loraScales = new WeakMap<Params, Map<string, number>>();

/** Flattens `[..., IN]` to `[M, IN]`, applies `fn`, and restores the leading dims. */
function over2d(x: tf.Tensor, fn: (x2: tf.Tensor2D) => tf.Tensor2D): tf.Tensor {
  const lead = x.shape.slice(0, -1);
  const inDim = x.shape[x.shape.length - 1];
  const y = fn(x.rank === 2 ? (x as tf.Tensor2D) : x.reshape([-1, inDim]));
  return x.rank === 2 ? y : y.reshape([...lead, y.shape[1]]);
}

/**
 * A linear layer in PyTorch layout: `y = x @ W^T + b` with `${name}.weight` `[OUT, IN]` and the
 * optional `${name}.bias` `[OUT]`. When LoRA weights `${name}.lora_A.weight` `[R, IN]` and
 * `${name}.lora_B.weight` `[OUT, R]` exist (see {@link initLora}), adds `scale * (x @ A^T) @ B^T`.
 * @param x `[..., IN]`
 * @returns `[..., OUT]`
 */
export function dense(params: Params, name: string, x: tf.Tensor): tf.Tensor {
  const inDim = x.shape[x.shape.length - 1];
  const w = getParam(params, `${name}.weight`, [null, inDim]) as tf.Variable<tf.Rank.R2>;
  const b = params.get(`${name}.bias`);
  const loraA = params.get(`${name}.lora_A.weight`) as tf.Variable<tf.Rank.R2> | undefined;
  return over2d(x, (x2) => {
    let y = matmulTransposed(x2, w);
    if (b) y = tf.add(y, b);
    if (loraA) {
      const loraB = getParam(params, `${name}.lora_B.weight`, [w.shape[0], loraA.shape[0]]);
      const scale = loraScales.get(params)?.get(name) ?? 1;
      const low = matmulTransposed(matmulTransposed(x2, loraA), loraB as tf.Variable<tf.Rank.R2>);
      y = tf.add(y, scale === 1 ? low : tf.mul(low, scale));
    }
    return y;
  });
}

export interface LinearInit {
  /** Add `${name}.bias` (zeros). Default true. */
  readonly bias?: boolean;
  /** `xavier` (default, as timm ViTs) or `trunc_normal` with `std` (default 0.02). */
  readonly init?: 'xavier' | 'trunc_normal' | 'zeros';
  readonly std?: number;
}

/** Adds `${name}.weight` `[OUT, IN]` (and `${name}.bias` `[OUT]`) for {@link dense}. */
export function initDense(
  params: Params,
  name: string,
  inDim: number,
  outDim: number,
  seed: SeedOrRng,
  options: LinearInit = {},
): void {
  const init = options.init ?? 'xavier';
  const w =
    init === 'zeros'
      ? tf.zeros([outDim, inDim])
      : init === 'xavier'
        ? xavierUniform([outDim, inDim], seed)
        : truncNormal2d(outDim, inDim, options.std ?? 0.02, seed);
  addParam(params, `${name}.weight`, w);
  if (options.bias ?? true) addParam(params, `${name}.bias`, tf.zeros([outDim]));
}

function truncNormal2d(out: number, inp: number, std: number, seed: SeedOrRng): tf.Tensor {
  const rng = toRng(seed);
  const data = new Float32Array(out * inp);
  for (let i = 0; i < data.length; i++) {
    let z = rng.normal();
    while (z < -2 || z > 2) z = rng.normal();
    data[i] = z * std;
  }
  return tf.tensor2d(data, [out, inp]);
}

export interface LoraInit {
  /** Rank R of the update. */
  readonly rank: number;
  /** Scale = alpha / rank (PEFT's convention). Default alpha = rank (scale 1). */
  readonly alpha?: number;
}

/**
 * Adds a low-rank adapter (LoRA, Hu et al. 2021) to the linear layer `name`: `${name}.lora_A.weight`
 * `[R, IN]` (Kaiming-uniform, as PEFT) and `${name}.lora_B.weight` `[OUT, R]` (zeros, so the model is
 * unchanged until trained). {@link dense} applies it from then on. Train only the adapters with
 * `setTrainable(params, (n) => n.includes('.lora_'))` or a `names` filter on the gradient call.
 */
export function initLora(params: Params, name: string, options: LoraInit, seed: SeedOrRng): void {
  const w = getParam(params, `${name}.weight`);
  const [outDim, inDim] = w.shape;
  const rng = toRng(seed);
  const bound = 1 / Math.sqrt(inDim);
  const a = new Float32Array(options.rank * inDim);
  for (let i = 0; i < a.length; i++) a[i] = rng.range(-bound, bound);
  addParam(params, `${name}.lora_A.weight`, tf.tensor2d(a, [options.rank, inDim]));
  addParam(params, `${name}.lora_B.weight`, tf.zeros([outDim, options.rank]));
  let scales = loraScales.get(params);
  if (!scales) {
    scales = new Map();
    loraScales.set(params, scales);
  }
  scales.set(name, (options.alpha ?? options.rank) / options.rank);
}
