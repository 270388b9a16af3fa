import { tf } from './backend';
import { ParamError } from './errors';
import type { Params } from './params';

/** Gradients by parameter name. The caller owns (and disposes) the tensors. */
export type Grads = Map<string, tf.Tensor>;

export interface GradientOptions {
  /** Differentiate only these parameters (default: every trainable one). */
  readonly names?: (name: string) => boolean;
  /** Give parameters the loss does not reach a zero gradient instead of leaving them out. */
  readonly zerosForUnused?: boolean;
}

/**
 * Evaluates `loss()` and its gradient with respect to the (trainable) parameters.
 * Every intermediate tensor is released; only the loss and the gradients survive.
 * @returns `loss` (a scalar tensor) and `grads` keyed by parameter name.
 * @throws ParamError when no parameter is selected or the loss is not a scalar.
 */
export function computeGradients(
  params: Params,
  loss: () => tf.Scalar,
  options: GradientOptions = {},
): { loss: tf.Scalar; grads: Grads } {
  const byId = new Map<string, string>();
  const vars: tf.Variable[] = [];
  for (const [name, v] of params) {
    if (!v.trainable || (options.names && !options.names(name))) continue;
    byId.set(v.name, name);
    vars.push(v);
  }
  if (vars.length === 0) throw new ParamError('no trainable parameter selected for gradients', {});
  const f = () => {
    const l = loss();
    if (l.rank !== 0)
      throw new ParamError(`loss must be a scalar, got shape [${l.shape}]`, { shape: l.shape });
    return l;
  };
  const { value, grads } = tf.variableGrads(f, vars);
  const out: Grads = new Map();
  for (const [name, v] of params) {
    if (!byId.has(v.name)) continue;
    const g = grads[v.name];
    if (g) out.set(name, g);
    else if (options.zerosForUnused) out.set(name, tf.zerosLike(v));
  }
  return { loss: value, grads: out };
}

/** Disposes every gradient tensor in `grads`. */
export function disposeGrads(grads: Grads): void {
  for (const g of grads.values()) g.dispose();
}

/** The global L2 norm of all gradients, `sqrt(sum_i ||g_i||^2)`. */
export function globalNorm(grads: Grads): number {
  const norm = tf.tidy(() => {
    let total = tf.scalar(0);
    for (const g of grads.values()) total = tf.add(total, tf.sum(tf.square(g)));
    return tf.sqrt(total);
  });
  const value = norm.arraySync() as number;
  norm.dispose();
  return value;
}

/**
 * Clips gradients to a global L2 norm of at most `maxNorm` (PyTorch's `clip_grad_norm_`: scale by
 * `maxNorm / (norm + 1e-6)` when that is below 1). Returns new tensors and disposes the inputs.
 * @returns the clipped gradients and the norm before clipping.
 */
export function clipGlobalNorm(grads: Grads, maxNorm: number): { grads: Grads; norm: number } {
  if (!(maxNorm > 0)) throw new ParamError(`maxNorm must be > 0, got ${maxNorm}`, { maxNorm });
  const norm = globalNorm(grads);
  const coef = maxNorm / (norm + 1e-6);
  if (coef >= 1) return { grads, norm };
  const out: Grads = new Map();
  for (const [name, g] of grads) {
    out.set(
      name,
      tf.tidy(() => tf.mul(g, coef)),
    );
    g.dispose();
  }
  return { grads: out, norm };
}

/**
 * Sums gradients over micro-batches; `mean()` gives their (weighted) average. Use it to train with a
 * batch larger than memory allows: accumulate N micro-batches, then one optimizer step.
 */
export class GradientAccumulator {
  private sums: Grads = new Map();
  private weight = 0;

  /** Adds `grads` with `weight` (e.g. the micro-batch size); disposes `grads`. */
  add(grads: Grads, weight = 1): void {
    for (const [name, g] of grads) {
      const prev = this.sums.get(name);
      const next = tf.tidy(() => (prev ? tf.add(prev, tf.mul(g, weight)) : tf.mul(g, weight)));
      prev?.dispose();
      g.dispose();
      this.sums.set(name, next);
    }
    this.weight += weight;
  }

  /** Number of accumulated weights so far. */
  get count(): number {
    return this.weight;
  }

  /** The weighted mean of what was added (new tensors); then resets. */
  mean(): Grads {
    if (this.weight === 0) throw new ParamError('GradientAccumulator.mean() with nothing accumulated', {});
    const out: Grads = new Map();
    for (const [name, s] of this.sums) {
      const w = this.weight;
      out.set(
        name,
        tf.tidy(() => tf.div(s, w)),
      );
      s.dispose();
    }
    this.sums = new Map();
    this.weight = 0;
    return out;
  }

  /** Drops what was accumulated. */
  reset(): void {
    disposeGrads(this.sums);
    this.sums = new Map();
    this.weight = 0;
  }
}
