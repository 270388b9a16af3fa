/** Element types that vfmkit builds graphs with and passes to and from ONNX Runtime. */
export type ElemType = 'float32' | 'float16' | 'float64' | 'int8' | 'uint8' | 'int32' | 'int64' | 'bool';

/** ONNX `TensorProto.DataType` codes. */
export const ONNX_DATA_TYPE: Readonly<Record<ElemType, number>> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
};

/** The typed array that holds each element type (`float16` as raw IEEE half bits, `bool` as 0/1 bytes). */
export interface ElemArrays {
  float32: Float32Array;
  float16: Uint16Array;
  float64: Float64Array;
  int8: Int8Array;
  uint8: Uint8Array;
  int32: Int32Array;
  int64: BigInt64Array;
  bool: Uint8Array;
}

/** Any array that can back a tensor. */
export type ElemArray = ElemArrays[ElemType];

/**
 * A host tensor: a flat row-major typed array and its shape, e.g. tokens `[B, N, D]` as a
 * `Float32Array` of `B * N * D` elements.
 */
export interface TypedTensor<T extends ElemType = ElemType> {
  readonly dtype: T;
  readonly data: ElemArrays[T];
  readonly dims: readonly number[];
}

const CTORS = {
  float32: Float32Array,
  float16: Uint16Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int32: Int32Array,
  int64: BigInt64Array,
  bool: Uint8Array,
} as const;

/** The element type that a typed array most naturally holds (`Uint8Array` -> `uint8`, `Uint16Array` -> `float16`). */
export function elemTypeOf(data: ElemArray): ElemType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  return 'float16';
}

/** Whether `data` is the array type that `dtype` uses. */
export function arrayMatches(dtype: ElemType, data: unknown): boolean {
  return data instanceof CTORS[dtype];
}

/** A zero-filled array of `n` elements of `dtype`. */
export function allocate<T extends ElemType>(dtype: T, n: number): ElemArrays[T] {
  return new CTORS[dtype](n) as ElemArrays[T];
}

/** Builds a {@link TypedTensor}, taking the dtype from the array unless given (`bool` must be given). */
export function tensor<T extends ElemType>(
  data: ElemArrays[T],
  dims: readonly number[],
  dtype?: T,
): TypedTensor<T> {
  return { dtype: dtype ?? (elemTypeOf(data) as T), data, dims: [...dims] };
}
