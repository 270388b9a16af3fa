import { ConfigError, ShapeError } from '@vfmkit/core';
import { type Params, tf } from '@vfmkit/nn';

/**
 * One EMA step of a momentum target: for every `target.<name>` variable in `params`,
 * `target <- m * target + (1 - m) * online` with `online = params.get(<name>)` (in place).
 * @returns how many variables were updated.
 * @throws ConfigError for m outside [0, 1] or a target without its online twin; ShapeError when shapes differ.
 */
export function updateMomentumTarget(params: Params, momentum: number, prefix = 'target.'): number {
  if (!(momentum >= 0 && momentum <= 1))
    throw new ConfigError(`EMA momentum must be in [0, 1], got ${momentum}`, {
      key: 'momentum',
      value: momentum,
    });
  let n = 0;
  for (const [name, target] of params) {
    if (!name.startsWith(prefix)) continue;
    const online = params.get(name.slice(prefix.length));
    if (!online)
      throw new ConfigError(
        `momentum target "${name}" has no online parameter "${name.slice(prefix.length)}"`,
        {
          key: name,
        },
      );
    if (online.shape.some((d, i) => d !== target.shape[i]) || online.rank !== target.rank)
      throw new ShapeError(`"${name}" [${target.shape}] differs from its online twin [${online.shape}]`, {
        name,
        expected: [...online.shape],
        actual: [...target.shape],
      });
    tf.tidy(() => target.assign(tf.add(tf.mul(target, momentum), tf.mul(online, 1 - momentum))));
    n++;
  }
  return n;
}
