import { ConfigError, parseConfig } from '@vfmkit/core';
import { z } from 'zod';
import { tf } from './backend';
import type { Grads } from './gradients';
import type { Params } from './params';

/** AdamW hyper-parameters (PyTorch's defaults except weight decay, which MAE recipes set to 0.05). */
export const AdamWConfigSchema = z.object({
  lr: z.number().nonnegative().default(1e-3),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.999),
  eps: z.number().positive().default(1e-8),
  weightDecay: z.number().nonnegative().default(0.01),
});
export type AdamWConfig = z.input<typeof AdamWConfigSchema>;

/**
 * Default decay rule: no weight decay on biases, norm weights and other rank <= 1 parameters.
 * Names are PyTorch-style (`blocks.0.norm1.weight`).
 */
export function defaultDecay(name: string, shape: readonly number[]): boolean {
  if (shape.length <= 1) return false;
  return !/(^|\.)bias$/.test(name) && !/(^|\.)[^.]*norm[^.]*\./.test(name);
}

/**
 * AdamW (Loshchilov and Hutter, "Decoupled Weight Decay Regularization"), exactly PyTorch's
 * `torch.optim.AdamW` update:
 * `p <- p (1 - lr wd)`, `m <- b1 m + (1-b1) g`, `v <- b2 v + (1-b2) g^2`,
 * `p <- p - lr (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)`.
 * Parameters without a gradient in a step are left untouched.
 */
export class AdamW {
  readonly config: Required<z.output<typeof AdamWConfigSchema>>;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private readonly decays: (name: string, shape: readonly number[]) => boolean;
  /** Number of steps taken. */
  t = 0;

  /**
   * @param decay which parameters get weight decay (default {@link defaultDecay}).
   * @throws ConfigError on an invalid config.
   */
  constructor(
    private readonly params: Params,
    config: AdamWConfig = {},
    decay: (name: string, shape: readonly number[]) => boolean = defaultDecay,
  ) {
    this.config = parseConfig(AdamWConfigSchema, config, 'AdamW config');
    this.decays = decay;
  }

  /** Applies one update from `grads` (not disposed); `lr` overrides `config.lr` (e.g. a schedule). */
  step(grads: Grads, lr = this.config.lr): void {
    this.t += 1;
    const { beta1, beta2, eps, weightDecay } = this.config;
    const bc1 = 1 - beta1 ** this.t;
    const bc2 = 1 - beta2 ** this.t;
    for (const [name, g] of grads) {
      const p = this.params.get(name);
      if (!p) throw new ConfigError(`AdamW: gradient for unknown parameter "${name}"`, { key: name });
      let m = this.m.get(name);
      let v = this.v.get(name);
      if (!m || !v) {
        m = ownedVariable(tf.zerosLike(p));
        v = ownedVariable(tf.zerosLike(p));
        this.m.set(name, m);
        this.v.set(name, v);
      }
      const wd = this.decays(name, p.shape) ? weightDecay : 0;
      const mv = m;
      const vv = v;
      tf.tidy(() => {
        const m1 = tf.add(tf.mul(mv, beta1), tf.mul(g, 1 - beta1));
        const v1 = tf.add(tf.mul(vv, beta2), tf.mul(tf.square(g), 1 - beta2));
        const denom = tf.add(tf.div(tf.sqrt(v1), Math.sqrt(bc2)), eps);
        const decayed = wd > 0 ? tf.mul(p, 1 - lr * wd) : p;
        mv.assign(m1);
        vv.assign(v1);
        p.assign(tf.sub(decayed, tf.mul(tf.div(m1, denom), lr / bc1)));
      });
    }
  }

  /** Optimizer state as plain tensors (`exp_avg.<name>`, `exp_avg_sq.<name>`) for checkpoints. */
  async state(): Promise<{ t: number; tensors: Map<string, { shape: number[]; data: Float32Array }> }> {
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, m] of this.m) {
      tensors.set(`exp_avg.${name}`, { shape: [...m.shape], data: (await m.data()) as Float32Array });
      const v = this.v.get(name) as tf.Variable;
      tensors.set(`exp_avg_sq.${name}`, { shape: [...v.shape], data: (await v.data()) as Float32Array });
    }
    return { t: this.t, tensors };
  }

  /** Restores what {@link state} returned. */
  setState(state: {
    t: number;
    tensors: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>;
  }): void {
    this.dispose();
    this.t = state.t;
    for (const [key, t] of state.tensors) {
      const dot = key.indexOf('.');
      const kind = key.slice(0, dot);
      const name = key.slice(dot + 1);
      const target = kind === 'exp_avg' ? this.m : kind === 'exp_avg_sq' ? this.v : undefined;
      if (!target || !this.params.has(name))
        throw new ConfigError(`AdamW state: unknown entry "${key}"`, { key });
      target.set(name, ownedVariable(tf.tensor(t.data, [...t.shape])));
    }
  }

  /** Releases the moment estimates. */
  dispose(): void {
    for (const x of this.m.values()) x.dispose();
    for (const x of this.v.values()) x.dispose();
    this.m.clear();
    this.v.clear();
  }
}

/** A non-trainable variable that takes over `t` (disposing it, so no tensor is left behind). */
function ownedVariable(t: tf.Tensor): tf.Variable {
  const v = tf.variable(t, false);
  t.dispose();
  return v;
}
