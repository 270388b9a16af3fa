import { assertLength, parseConfig, type Rng, type SafeParser } from '@vfmkit/core';
import { tf } from '@vfmkit/nn';
import type { z } from 'zod';
import { selectRows } from '../cache/feature-rows';
import { ProbeError } from '../errors';

type Rows = Float32Array | Int32Array;

/** Rows `idx` of a `[B, ...]` array as a tensor (int32 for `Int32Array`, else float32). */
export function rowsTensor(a: { data: Rows; shape: readonly number[] }, idx: readonly number[]): tf.Tensor {
  const r = selectRows(a.data, a.shape, idx);
  return tf.tensor(r.data, r.shape, r.data instanceof Int32Array ? 'int32' : 'float32');
}

/** Validates training options with `schema`; the first problem becomes a ConfigError naming the key. */
export function parseTrainingOptions<S extends z.ZodType>(
  who: string,
  schema: S,
  options: unknown,
): z.output<S> {
  return parseConfig(schema as SafeParser<z.output<S>>, options, who);
}

/**
 * Checks that targets, condition and weights each hold `B` rows and fill their shapes, and that
 * softmax targets are int32 class ids. `unit` names a row in messages (`clips`, `feature rows`).
 */
export function checkTrainingRows(
  B: number,
  unit: string,
  loss: string,
  arrays: {
    targets: { data: Rows; shape: readonly number[] };
    condition?: { data: Rows; shape: readonly number[] };
    weights?: { data: Rows; shape: readonly number[] };
  },
): void {
  for (const [name, a] of Object.entries(arrays)) {
    if (!a) continue;
    assertLength(name, a.data, a.shape);
    if (a.shape[0] !== B)
      throw new ProbeError(`${name} hold ${a.shape[0]} rows for ${B} ${unit}`, { what: name });
  }
  if (loss === 'softmax-cross-entropy' && !(arrays.targets.data instanceof Int32Array))
    throw new ProbeError('softmax-cross-entropy needs int32 class ids as targets', { what: 'targets' });
}

/**
 * Minibatch indices sampled without replacement within each epoch (a fresh seeded permutation of the
 * `B` rows per epoch); each call returns the next `min(batchSize, B)` row indices.
 */
export function minibatches(rng: Rng, B: number, batchSize: number): () => number[] {
  const bs = Math.min(batchSize, B);
  let order = Array.from(rng.permutation(B));
  let at = 0;
  return () => {
    if (at + bs > B) {
      order = Array.from(rng.permutation(B));
      at = 0;
    }
    at += bs;
    return order.slice(at - bs, at);
  };
}
