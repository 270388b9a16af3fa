import { ConfigError, ShapeError } from '@vfmkit/core';
import { CodebookOverflowError } from './errors';
import { MAX_INT32_ID } from './fsq';

/**
 * Checks an LFQ code dimension (bits).
 * @returns the codebook size `2^bits`.
 * @throws ConfigError for bits < 1 or not an integer; CodebookOverflowError when `2^bits - 1` exceeds int32.
 */
export function lfqCodebookSize(bits: number): number {
  if (!Number.isInteger(bits) || bits < 1)
    throw new ConfigError(`LFQ bits must be an integer >= 1, got ${bits}`, { key: 'bits', value: bits });
  const size = 2 ** bits;
  if (size - 1 > MAX_INT32_ID)
    throw new CodebookOverflowError(
      `LFQ with ${bits} bits gives ${size} codes; int32 token ids name at most ${MAX_INT32_ID + 1}`,
      { key: 'bits', codebookSize: size, max: MAX_INT32_ID + 1 },
    );
  return size;
}

function check(name: string, length: number, bits: number): void {
  lfqCodebookSize(bits);
  if (length % bits !== 0)
    throw new ShapeError(`${name}: length ${length} is not a multiple of the code dimension ${bits}`, {
      name,
      expected: [null, bits],
      actual: [length],
    });
}

/**
 * Lookup-free quantization (Yu et al., "Language Model Beats Diffusion: Tokenizer is Key to Visual
 * Generation", MAGVIT-v2): `q = +1` where `z > 0`, else `-1` (so `z = 0` maps to -1, as the paper).
 * @param z `[..., bits]`
 * @returns codes `[..., bits]` in {-1, +1}
 */
export function lfqQuantize(z: ArrayLike<number>, bits: number): Float32Array {
  check('z', z.length, bits);
  const out = new Float32Array(z.length);
  for (let i = 0; i < z.length; i++) out[i] = z[i] > 0 ? 1 : -1;
  return out;
}

/**
 * Token ids of LFQ codes: `id = sum_i [q_i > 0] 2^i`, the first dimension in the least significant bit
 * (the paper's convention; vector-quantize-pytorch puts it in the most significant bit).
 * @param codes `[N, bits]` in {-1, +1}
 * @returns ids `[N]`
 * @throws ConfigError for a value other than -1 or +1.
 */
export function lfqCodesToIndices(codes: ArrayLike<number>, bits: number): Int32Array {
  check('codes', codes.length, bits);
  const out = new Int32Array(codes.length / bits);
  for (let n = 0; n < out.length; n++) {
    let id = 0;
    for (let k = 0; k < bits; k++) {
      const v = codes[n * bits + k];
      if (v !== 1 && v !== -1)
        throw new ConfigError(`value ${v} at [${n}, ${k}] is not an LFQ code (-1 or +1)`, {
          key: 'codes',
          index: [n, k],
          value: v,
        });
      if (v > 0) id += 2 ** k;
    }
    out[n] = id;
  }
  return out;
}

/**
 * LFQ codes of token ids: bit i of the id gives `+1`, else `-1`.
 * @param ids `[N]`
 * @returns codes `[N, bits]` flattened
 * @throws ConfigError for an id outside `[0, 2^bits)`.
 */
export function lfqIndicesToCodes(ids: ArrayLike<number>, bits: number): Float32Array {
  const size = lfqCodebookSize(bits);
  const out = new Float32Array(ids.length * bits);
  for (let n = 0; n < ids.length; n++) {
    const id = ids[n];
    if (!Number.isInteger(id) || id < 0 || id >= size)
      throw new ConfigError(`token id ${id} at ${n} is outside [0, ${size})`, {
        key: 'ids',
        index: n,
        value: id,
      });
    for (let k = 0; k < bits; k++) out[n * bits + k] = Math.floor(id / 2 ** k) % 2 === 1 ? 1 : -1;
  }
  return out;
}

/**
 * The whole LFQ codebook, `[2^bits, bits]` flattened, row `id` = {@link lfqIndicesToCodes}(id). Meant for
 * small `bits` (the entropy loss enumerates it).
 */
export function lfqCodebook(bits: number): Float32Array {
  const size = lfqCodebookSize(bits);
  return lfqIndicesToCodes(
    Array.from({ length: size }, (_, i) => i),
    bits,
  );
}
