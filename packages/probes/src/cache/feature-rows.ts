import { assertLength, sizeOf } from '@vfmkit/core';
import { ProbeError } from '../errors';

/** A flat float32 array with its shape (row-major). */
export interface ArrayWithShape<T extends Float32Array | Int32Array = Float32Array> {
  readonly data: T;
  readonly shape: readonly number[];
}

/**
 * Rows of a `[B, ...]` float32 array read on demand: held in memory ({@link featureRows}), or in a
 * feature cache's shards on disk (`FeatureCache.open`), so that heads train on more features than fit
 * in memory.
 */
export interface FeatureRows {
  /** `[B, ...]`. */
  readonly shape: readonly number[];
  /**
   * Rows `idx` (each in `[0, B)`, any order, repeats allowed), stacked.
   * @returns `[idx.length, ...shape.slice(1)]`.
   * @throws ProbeError for an index out of range.
   */
  read(idx: readonly number[]): Float32Array;
}

/** Features a head reads: a whole array in memory, or rows read on demand. */
export type Features = ArrayWithShape | FeatureRows;

/** Rows `idx` of a `[B, ...]` array, as a new `[idx.length, ...]` array of the same type. */
export function selectRows<T extends Float32Array | Int32Array>(
  data: T,
  shape: readonly number[],
  idx: readonly number[],
): { data: T; shape: number[] } {
  const per = sizeOf(shape.slice(1));
  const out = (
    data instanceof Int32Array ? new Int32Array(idx.length * per) : new Float32Array(idx.length * per)
  ) as T;
  idx.forEach((i, k) => {
    out.set(data.subarray(i * per, (i + 1) * per), k * per);
  });
  return { data: out, shape: [idx.length, ...shape.slice(1)] };
}

/** Row-major stride of one row of `shape` and a check that `idx` are rows of it. */
export function checkRows(shape: readonly number[], idx: readonly number[]): number {
  for (const i of idx)
    if (!Number.isInteger(i) || i < 0 || i >= shape[0])
      throw new ProbeError(`row ${i} is outside the features' ${shape[0]} rows`, { what: 'rows' });
  return sizeOf(shape.slice(1));
}

/**
 * `features` as {@link FeatureRows} (rows in memory are copied out on read).
 * @throws ShapeError when an in-memory array does not fill its shape.
 */
export function featureRows(features: Features): FeatureRows {
  if ('read' in features) return features;
  const { data, shape } = features;
  assertLength('features', data, shape);
  return {
    shape,
    read(idx) {
      checkRows(shape, idx);
      return selectRows(data, shape, idx).data;
    },
  };
}

/**
 * The rows `rows` of `features`, in that order, as features of their own: row `k` of the result is row
 * `rows[k]` of `features` (e.g. one task's clips out of a feature set shared by several tasks).
 * @throws ProbeError for a row out of range.
 */
export function pickRows(features: Features, rows: readonly number[]): FeatureRows {
  const all = featureRows(features);
  checkRows(all.shape, rows);
  return {
    shape: [rows.length, ...all.shape.slice(1)],
    read(idx) {
      checkRows([rows.length], idx);
      return all.read(idx.map((i) => rows[i]));
    },
  };
}
