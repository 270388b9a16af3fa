/** The element types of the safetensors format (the names PyTorch's writer uses). */
export type Dtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/**
 * The typed array that holds each dtype. F16 and BF16 are kept as their raw 16-bit patterns
 * (`Uint16Array`); convert with {@link float16ToFloat32} / {@link bfloat16ToFloat32}. BOOL is one byte each.
 */
export interface DtypeArrays {
  F64: Float64Array;
  F32: Float32Array;
  F16: Uint16Array;
  BF16: Uint16Array;
  I64: BigInt64Array;
  I32: Int32Array;
  I16: Int16Array;
  I8: Int8Array;
  U8: Uint8Array;
  BOOL: Uint8Array;
}

export type TensorData = DtypeArrays[Dtype];

type ArrayCtor = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TensorData;
  new (length: number): TensorData;
  BYTES_PER_ELEMENT: number;
};

export const DTYPES: Readonly<Record<Dtype, { bytes: number; array: ArrayCtor }>> = {
  F64: { bytes: 8, array: Float64Array as unknown as ArrayCtor },
  F32: { bytes: 4, array: Float32Array as unknown as ArrayCtor },
  F16: { bytes: 2, array: Uint16Array as unknown as ArrayCtor },
  BF16: { bytes: 2, array: Uint16Array as unknown as ArrayCtor },
  I64: { bytes: 8, array: BigInt64Array as unknown as ArrayCtor },
  I32: { bytes: 4, array: Int32Array as unknown as ArrayCtor },
  I16: { bytes: 2, array: Int16Array as unknown as ArrayCtor },
  I8: { bytes: 1, array: Int8Array as unknown as ArrayCtor },
  U8: { bytes: 1, array: Uint8Array as unknown as ArrayCtor },
  BOOL: { bytes: 1, array: Uint8Array as unknown as ArrayCtor },
};

export function isDtype(name: unknown): name is Dtype {
  return typeof name === 'string' && Object.hasOwn(DTYPES, name);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half-precision bits -> float32 value. */
export function float16ToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** float32 value -> IEEE half-precision bits, rounding to nearest even. */
export function float32ToFloat16(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = mant >> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && r & 1)) r++;
    return sign | r;
  }
  let r = mant >> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && r & 1)) {
    r++;
    if (r === 0x400) {
      r = 0;
      e++;
      if (e >= 31) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | r;
}

/** bfloat16 bits -> float32 value (exact). */
export function bfloat16ToFloat32(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0];
}

/** float32 value -> bfloat16 bits, rounding to nearest even (NaN stays NaN). */
export function float32ToBfloat16(value: number): number {
  f32[0] = value;
  const x = u32[0];
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return ((x >>> 16) | 0x40) & 0xffff;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Any dtype's data as float32 (F16/BF16 decoded from their bits, I64 through Number). */
export function toFloat32(dtype: Dtype, data: TensorData): Float32Array {
  if (dtype === 'F32') return data as Float32Array;
  const out = new Float32Array(data.length);
  if (dtype === 'F16')
    for (let i = 0; i < out.length; i++) out[i] = float16ToFloat32((data as Uint16Array)[i]);
  else if (dtype === 'BF16')
    for (let i = 0; i < out.length; i++) out[i] = bfloat16ToFloat32((data as Uint16Array)[i]);
  else if (dtype === 'I64') for (let i = 0; i < out.length; i++) out[i] = Number((data as BigInt64Array)[i]);
  else for (let i = 0; i < out.length; i++) out[i] = (data as Float64Array)[i];
  return out;
}
