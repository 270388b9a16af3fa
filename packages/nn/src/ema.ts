import { ConfigError } from '@vfmkit/core';
import { tf } from './backend';
import type { Params } from './params';

/**
 * Exponential moving average of weights: `shadow <- decay * shadow + (1 - decay) * param` after each
 * step. The shadow starts as a copy of the parameters; {@link Ema.copyTo} writes it into a map with
 * the same names (e.g. for evaluation or as a teacher).
 */
export class Ema {
  readonly shadow: Params = new Map();

  constructor(
    params: Params,
    readonly decay: number,
  ) {
    if (!(decay >= 0 && decay <= 1))
      throw new ConfigError(`EMA decay must be in [0, 1], got ${decay}`, { key: 'decay' });
    for (const [name, p] of params) this.shadow.set(name, tf.variable(p, false));
  }

  /** One update from the current `params`. */
  update(params: Params): void {
    const d = this.decay;
    for (const [name, s] of this.shadow) {
      const p = params.get(name);
      if (!p) throw new ConfigError(`EMA: parameter "${name}" is missing`, { key: name });
      tf.tidy(() => s.assign(tf.add(tf.mul(s, d), tf.mul(p, 1 - d))));
    }
  }

  /** Writes the averaged weights into `params` (same names and shapes). */
  copyTo(params: Params): void {
    for (const [name, s] of this.shadow) params.get(name)?.assign(s);
  }

  dispose(): void {
    for (const s of this.shadow.values()) s.dispose();
    this.shadow.clear();
  }
}
