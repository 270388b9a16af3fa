import { ShapeError } from '@vfmkit/core';
import { tf } from './backend';
import { ParamError } from './errors';

/**
 * A model's parameters: a flat, ordered map from PyTorch-style names (`blocks.3.attn.qkv.weight`) to
 * tfjs variables in PyTorch layouts (a linear weight is `[OUT, IN]`). Layers are functions that read
 * their weights from it by prefix. Insertion order is the checkpoint order.
 */
export type Params = Map<string, tf.Variable>;

/** Creates an empty parameter map. */
export function createParams(): Params {
  return new Map();
}

/**
 * Adds a trainable variable under `name` (taking ownership of `value`).
 * @throws ParamError when the name is already taken.
 */
export function addParam(params: Params, name: string, value: tf.Tensor, trainable = true): tf.Variable {
  if (params.has(name)) throw new ParamError(`parameter "${name}" already exists`, { name });
  const v = tf.variable(value, trainable);
  value.dispose();
  params.set(name, v);
  return v;
}

/**
 * The variable named `name`, checked against `shape` when given (`null` = any size).
 * @throws ParamError when it is missing; ShapeError when its shape differs.
 */
export function getParam(params: Params, name: string, shape?: readonly (number | null)[]): tf.Variable {
  const v = params.get(name);
  if (!v) {
    const prefix = name.split('.').slice(0, -1).join('.');
    const near = [...params.keys()].filter((k) => k.startsWith(prefix)).slice(0, 8);
    throw new ParamError(`missing parameter "${name}"${near.length ? ` (have: ${near.join(', ')})` : ''}`, {
      name,
      missing: [name],
    });
  }
  if (shape) {
    const ok = v.shape.length === shape.length && shape.every((d, i) => d === null || d === v.shape[i]);
    if (!ok) {
      throw new ShapeError(
        `parameter "${name}": expected [${shape.map((d) => d ?? '*')}], got [${v.shape}]`,
        {
          name,
          expected: shape,
          actual: v.shape,
        },
      );
    }
  }
  return v;
}

/** Total number of scalar parameters (optionally only those whose name passes `filter`). */
export function paramCount(params: Params, filter: (name: string) => boolean = () => true): number {
  let n = 0;
  for (const [name, v] of params) if (filter(name)) n += v.size;
  return n;
}

/** Disposes every variable and empties the map. */
export function disposeParams(params: Params): void {
  for (const v of params.values()) v.dispose();
  params.clear();
}

/** Parameter names under `prefix.` (or exactly `prefix`), in order. */
export function paramNames(params: Params, prefix = ''): string[] {
  if (!prefix) return [...params.keys()];
  return [...params.keys()].filter((k) => k === prefix || k.startsWith(`${prefix}.`));
}

/** Marks the parameters whose name passes `filter` as trainable and all others frozen. */
export function setTrainable(params: Params, filter: (name: string) => boolean): void {
  for (const [name, v] of params) v.trainable = filter(name);
}
