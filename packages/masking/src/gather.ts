import { assertLength, ConfigError, ShapeError } from '@vfmkit/core';
import { TokenIndexError } from './errors';

type Shape3 = readonly [number, number, number];

function checkShape3(name: string, shape: Shape3): void {
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ConfigError(
      `${name} must be three non-negative integers [B, N, D], got ${JSON.stringify(shape)}`,
      {
        key: name,
        value: shape,
      },
    );
  }
}

function rowsPerBatch(indices: Int32Array, batch: number): number {
  if (batch === 0) {
    if (indices.length !== 0)
      throw new ShapeError('indices: a batch of 0 takes no indices', {
        name: 'indices',
        expected: [0, null],
        actual: [indices.length],
      });
    return 0;
  }
  if (indices.length % batch !== 0) {
    throw new ShapeError(`indices: ${indices.length} values do not form [B=${batch}, K] rows`, {
      name: 'indices',
      expected: [batch, 'K'],
      actual: [indices.length],
    });
  }
  return indices.length / batch;
}

function checkIndex(v: number, position: number, n: number): void {
  if (v < 0 || v >= n) {
    throw new TokenIndexError(`indices[${position}] = ${v} is outside [0, ${n})`, {
      name: 'indices',
      position,
      value: v,
      bound: n,
    });
  }
}

/**
 * Gathers token rows: `out[b, j, :] = tokens[b, indices[b, j], :]`. Use it with a mask's `keep`
 * (encoder input), `masked`, a decoder mask's `indices`, a shuffle's `order`, or `restore` (to undo a
 * `[keep, masked]` concatenation).
 *
 * @param tokens `[B, N, D]` float32, row-major.
 * @param shape `[B, N, D]`.
 * @param indices `[B, K]` int32 token indices in [0, N).
 * @returns `[B, K, D]` (written into `out` when given; it must hold B x K x D values).
 * @throws ShapeError on length mismatches; TokenIndexError for an index outside [0, N).
 */
export function gatherTokens(
  tokens: Float32Array,
  shape: Shape3,
  indices: Int32Array,
  out?: Float32Array,
): Float32Array {
  checkShape3('shape', shape);
  const [batch, n, d] = shape;
  assertLength('tokens', tokens, [batch, n, d]);
  const k = rowsPerBatch(indices, batch);
  const result = out ?? new Float32Array(batch * k * d);
  assertLength('out', result, [batch, k, d]);
  for (let b = 0; b < batch; b++) {
    const src = b * n * d;
    for (let j = 0; j < k; j++) {
      const p = b * k + j;
      const idx = indices[p];
      checkIndex(idx, p, n);
      const from = src + idx * d;
      result.set(tokens.subarray(from, from + d), p * d);
    }
  }
  return result;
}

/**
 * Scatters token rows back into a full sequence: `out[b, indices[b, j], :] = rows[b, j, :]`; tokens
 * not named in row b get `fill` (a number, or a `[D]` vector such as a learned mask token; default 0).
 * With repeated indices in a row the last write wins.
 *
 * @param rows `[B, K, D]` float32.
 * @param shape `[B, K, D]` of `rows`.
 * @param indices `[B, K]` int32 token indices in [0, n).
 * @param n N, the length of the full sequence.
 * @returns `[B, N, D]`.
 * @throws ShapeError on length mismatches; TokenIndexError for an index outside [0, n).
 */
export function scatterTokens(
  rows: Float32Array,
  shape: Shape3,
  indices: Int32Array,
  n: number,
  options: { readonly fill?: number | Float32Array; readonly out?: Float32Array } = {},
): Float32Array {
  checkShape3('shape', shape);
  const [batch, k, d] = shape;
  if (!Number.isInteger(n) || n < 0) {
    throw new ConfigError(`n must be a non-negative integer, got ${n}`, { key: 'n', value: n });
  }
  assertLength('rows', rows, [batch, k, d]);
  assertLength('indices', indices, [batch, k]);
  const result = options.out ?? new Float32Array(batch * n * d);
  assertLength('out', result, [batch, n, d]);
  const fill = options.fill ?? 0;
  if (typeof fill === 'number') result.fill(fill);
  else {
    assertLength('fill', fill, [d]);
    for (let i = 0; i < batch * n; i++) result.set(fill, i * d);
  }
  for (let b = 0; b < batch; b++) {
    const dst = b * n * d;
    for (let j = 0; j < k; j++) {
      const p = b * k + j;
      const idx = indices[p];
      checkIndex(idx, p, n);
      result.set(rows.subarray(p * d, (p + 1) * d), dst + idx * d);
    }
  }
  return result;
}
