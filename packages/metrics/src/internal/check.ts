import { assertLength } from '@vfmkit/core';
import { MetricInputError } from '../errors';

/** Flat numeric input: `Float32Array`, `Float64Array`, `number[]`, ... (row-major). */
export type Numeric = ArrayLike<number>;
/** Flat boolean input: `Uint8Array` (0/1), `boolean[]`, ... (row-major). */
export type BoolLike = ArrayLike<number | boolean>;

/** Asserts `data` fills `shape` and holds only finite numbers. */
export function checkFinite(name: string, data: Numeric, shape: readonly number[]): void {
  assertLength(name, data, shape);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new MetricInputError(`${name}: entry ${i} is ${data[i]}, expected a finite number`, {
        name,
        index: i,
        value: data[i],
      });
    }
  }
}

/** Asserts `data` fills `shape` and holds only booleans or 0/1; returns it as a `Uint8Array`. */
export function toBinary(name: string, data: BoolLike, shape: readonly number[]): Uint8Array {
  assertLength(name, data, shape);
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v === true || v === 1) out[i] = 1;
    else if (v !== false && v !== 0) {
      throw new MetricInputError(`${name}: entry ${i} is ${String(v)}, expected a boolean or 0/1`, {
        name,
        index: i,
        value: v,
      });
    }
  }
  return out;
}

/** Asserts every label is an integer in `[0, numClasses)`. */
export function checkLabels(name: string, labels: Numeric, numClasses: number): void {
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
      throw new MetricInputError(
        `${name}: entry ${i} is ${v}, expected a class index in [0, ${numClasses})`,
        {
          name,
          index: i,
          value: v,
          numClasses,
        },
      );
    }
  }
}

/** Asserts `value` is a finite number in `[lo, hi]`. */
export function checkRange(name: string, value: number, lo: number, hi: number): void {
  if (!Number.isFinite(value) || value < lo || value > hi) {
    throw new MetricInputError(`${name} must be a number in [${lo}, ${hi}], got ${value}`, { name, value });
  }
}

/** Mean of the non-NaN entries; NaN when there are none. */
export function nanMean(values: ArrayLike<number>): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isNaN(values[i])) {
      sum += values[i];
      n++;
    }
  }
  return n === 0 ? Number.NaN : sum / n;
}

/** Indices `0..n-1` sorted by `key` descending; ties keep input order (a stable sort). */
export function argsortDescending(key: ArrayLike<number>): number[] {
  const idx = Array.from({ length: key.length }, (_, i) => i);
  idx.sort((a, b) => key[b] - key[a] || a - b);
  return idx;
}

/** Largest `label` among the items, -1 when there are none (no spread: safe for large arrays). */
export function maxLabel(...lists: readonly (readonly { label: number }[])[]): number {
  let m = -1;
  for (const list of lists) for (const x of list) if (x.label > m) m = x.label;
  return m;
}
