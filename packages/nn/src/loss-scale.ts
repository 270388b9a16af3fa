import { ConfigError } from '@vfmkit/core';
import { tf } from './backend';
import type { Grads } from './gradients';

export interface LossScalerOptions {
  /** Starting scale (default 2^16 when dynamic, 1 otherwise). */
  readonly initScale?: number;
  /** Adjust the scale: halve on overflow, double after `growthInterval` clean steps. Default true. */
  readonly dynamic?: boolean;
  readonly growthInterval?: number;
  readonly backoff?: number;
  readonly growth?: number;
}

/**
 * Loss-scaling hooks for reduced-precision backends (PyTorch's `GradScaler` logic): multiply the loss
 * by `scale` before differentiating, then {@link LossScaler.unscale} the gradients, skip the optimizer
 * step when any is not finite, and {@link LossScaler.update} the scale. In fp32 (wasm, cpu) use
 * `dynamic: false, initScale: 1`, which makes the hooks identities.
 */
export class LossScaler {
  scale: number;
  private readonly dynamic: boolean;
  private readonly growthInterval: number;
  private readonly backoff: number;
  private readonly growth: number;
  private clean = 0;

  constructor(options: LossScalerOptions = {}) {
    this.dynamic = options.dynamic ?? true;
    this.scale = options.initScale ?? (this.dynamic ? 2 ** 16 : 1);
    this.growthInterval = options.growthInterval ?? 2000;
    this.backoff = options.backoff ?? 0.5;
    this.growth = options.growth ?? 2;
    if (!(this.scale > 0))
      throw new ConfigError(`loss scale must be > 0, got ${this.scale}`, { key: 'initScale' });
    if (!(this.backoff > 0 && this.backoff < 1))
      throw new ConfigError(`backoff must be in (0, 1), got ${this.backoff}`, { key: 'backoff' });
  }

  /** `loss * scale`. */
  scaleLoss(loss: tf.Scalar): tf.Scalar {
    const scale = this.scale;
    return scale === 1 ? loss : tf.tidy(() => tf.mul(loss, scale));
  }

  /** Divides gradients by the scale (new tensors; inputs disposed) and says whether all are finite. */
  unscale(grads: Grads): { grads: Grads; finite: boolean } {
    const out: Grads = new Map();
    let finite = true;
    for (const [name, g] of grads) {
      const scale = this.scale;
      const u = scale === 1 ? g : tf.tidy(() => tf.div(g, scale));
      if (u !== g) g.dispose();
      out.set(name, u);
    }
    const bad = tf.tidy(() => {
      let n = tf.scalar(0);
      for (const g of out.values()) n = tf.add(n, tf.sum(tf.cast(tf.logicalNot(tf.isFinite(g)), 'float32')));
      return n;
    });
    finite = (bad.arraySync() as number) === 0;
    bad.dispose();
    return { grads: out, finite };
  }

  /** Adjusts the scale after a step: back off on overflow, grow after enough clean steps. */
  update(finite: boolean): void {
    if (!this.dynamic) return;
    if (!finite) {
      this.scale *= this.backoff;
      this.clean = 0;
      return;
    }
    this.clean += 1;
    if (this.clean >= this.growthInterval) {
      this.scale *= this.growth;
      this.clean = 0;
    }
  }
}
