import { ConfigError, ShapeError } from '@vfmkit/core';
import { CodebookOverflowError } from './errors';

/** The largest token id an int32 can hold. */
export const MAX_INT32_ID = 2 ** 31 - 1;

/**
 * FSQ's bounding epsilon, as in the paper's reference code (Mentzer et al., "Finite Scalar Quantization:
 * VQ-VAE Made Simple", appendix): `half_l = (L - 1) (1 - eps) / 2`.
 */
export const FSQ_EPS = 1e-3;

/**
 * Checks FSQ levels: each an integer >= 2, codebook `prod(levels)` within int32.
 * @returns the codebook size `prod(levels)`.
 * @throws ConfigError for a level below 2 or not an integer, or an empty list.
 * @throws CodebookOverflowError when `prod(levels) - 1` does not fit an int32.
 */
export function fsqCodebookSize(levels: readonly number[]): number {
  if (levels.length === 0) throw new ConfigError('FSQ needs at least one level', { key: 'levels' });
  let size = 1;
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i];
    if (!Number.isInteger(l) || l < 2)
      throw new ConfigError(`FSQ level ${i} must be an integer >= 2, got ${l}`, {
        key: `levels.${i}`,
        value: l,
      });
    size *= l;
  }
  if (size - 1 > MAX_INT32_ID)
    throw new CodebookOverflowError(
      `FSQ levels [${levels.join(', ')}] give ${size} codes; int32 token ids name at most ${MAX_INT32_ID + 1}`,
      { key: 'levels', codebookSize: size, max: MAX_INT32_ID + 1 },
    );
  return size;
}

/**
 * Mixed-radix basis of the token id: `[1, L_0, L_0 L_1, ...]` (the first code dimension is the least
 * significant digit, as in the paper's code and vector-quantize-pytorch).
 */
export function fsqBasis(levels: readonly number[]): number[] {
  const basis = [1];
  for (let i = 1; i < levels.length; i++) basis.push(basis[i - 1] * levels[i - 1]);
  return basis;
}

/** Per-level constants of the bound: `halfL = (L - 1)(1 - eps)/2`, `offset` (0.5 for even L), `shift`, `halfWidth = floor(L/2)`. */
export function fsqConstants(levels: readonly number[]): {
  halfL: number[];
  offset: number[];
  shift: number[];
  halfWidth: number[];
} {
  const halfL = levels.map((l) => ((l - 1) * (1 - FSQ_EPS)) / 2);
  const offset = levels.map((l) => (l % 2 === 1 ? 0 : 0.5));
  // The paper's code uses tan (not arctanh) for the shift; with (1 - eps) arctanh is undefined at L = 2.
  const shift = offset.map((o, i) => Math.tan(o / halfL[i]));
  const halfWidth = levels.map((l) => Math.floor(l / 2));
  return { halfL, offset, shift, halfWidth };
}

function checkLast(name: string, length: number, d: number): void {
  if (length % d !== 0)
    throw new ShapeError(`${name}: length ${length} is not a multiple of the code dimension ${d}`, {
      name,
      expected: [null, d],
      actual: [length],
    });
}

/**
 * FSQ bounding, exactly the paper's code: `tanh(z + shift) * halfL - offset`, per code dimension. For odd
 * L the output lies in `(-(L-1)/2, (L-1)/2)`; for even L it is shifted down by half a step so that
 * rounding gives exactly L integers `{-L/2, ..., L/2 - 1}`.
 * @param z `[..., d]` flattened, d = `levels.length`
 * @returns `[..., d]` bounded values (not yet rounded)
 */
export function fsqBound(z: ArrayLike<number>, levels: readonly number[]): Float64Array {
  const d = levels.length;
  checkLast('z', z.length, d);
  const { halfL, offset, shift } = fsqConstants(levels);
  const out = new Float64Array(z.length);
  for (let i = 0; i < z.length; i++) {
    const k = i % d;
    out[i] = Math.tanh(z[i] + shift[k]) * halfL[k] - offset[k];
  }
  return out;
}

/**
 * FSQ quantization: `round(bound(z)) / floor(L/2)`, so codes lie in [-1, 1] (for even L, in
 * `[-1, 1 - 2/L]`). Rounding is half to even, as in numpy, JAX, PyTorch and `tf.round`.
 * @param z `[..., d]`
 * @returns codes `[..., d]`
 */
export function fsqQuantize(z: ArrayLike<number>, levels: readonly number[]): Float64Array {
  const d = levels.length;
  const bounded = fsqBound(z, levels);
  const { halfWidth } = fsqConstants(levels);
  for (let i = 0; i < bounded.length; i++) bounded[i] = roundHalfEven(bounded[i]) / halfWidth[i % d];
  return bounded;
}

/** Rounds half to even (numpy's `round`, JAX's `jnp.round`, PyTorch's `torch.round`). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return (Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r) + 0;
}

/**
 * Token ids of FSQ codes: digits `code * halfWidth + halfWidth` in `[0, L)`, id = `sum digit_i * basis_i`.
 * @param codes `[N, d]` flattened, each a valid code of its level
 * @returns ids `[N]`
 * @throws ShapeError when the length is not a multiple of d; ConfigError for a value that is not a code.
 */
export function fsqCodesToIndices(codes: ArrayLike<number>, levels: readonly number[]): Int32Array {
  fsqCodebookSize(levels);
  const d = levels.length;
  checkLast('codes', codes.length, d);
  const basis = fsqBasis(levels);
  const { halfWidth } = fsqConstants(levels);
  const out = new Int32Array(codes.length / d);
  for (let n = 0; n < out.length; n++) {
    let id = 0;
    for (let k = 0; k < d; k++) {
      const v = codes[n * d + k] * halfWidth[k] + halfWidth[k];
      const digit = Math.round(v);
      if (Math.abs(v - digit) > 1e-3 || digit < 0 || digit >= levels[k])
        throw new ConfigError(
          `value ${codes[n * d + k]} at [${n}, ${k}] is not an FSQ code of level ${levels[k]}`,
          {
            key: 'codes',
            index: [n, k],
            value: codes[n * d + k],
          },
        );
      id += digit * basis[k];
    }
    out[n] = id;
  }
  return out;
}

/**
 * FSQ codes of token ids: digit_i = `floor(id / basis_i) mod L_i`, code = `(digit - halfWidth) / halfWidth`.
 * @param ids `[N]`
 * @returns codes `[N, d]` flattened
 * @throws ConfigError for an id outside `[0, prod(levels))`.
 */
export function fsqIndicesToCodes(ids: ArrayLike<number>, levels: readonly number[]): Float32Array {
  const size = fsqCodebookSize(levels);
  const d = levels.length;
  const basis = fsqBasis(levels);
  const { halfWidth } = fsqConstants(levels);
  const out = new Float32Array(ids.length * d);
  for (let n = 0; n < ids.length; n++) {
    const id = ids[n];
    if (!Number.isInteger(id) || id < 0 || id >= size)
      throw new ConfigError(`token id ${id} at ${n} is outside [0, ${size})`, {
        key: 'ids',
        index: n,
        value: id,
      });
    for (let k = 0; k < d; k++) {
      const digit = Math.floor(id / basis[k]) % levels[k];
      out[n * d + k] = (digit - halfWidth[k]) / halfWidth[k];
    }
  }
  return out;
}
