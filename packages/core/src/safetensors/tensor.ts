import { DTYPES, type Dtype, type TensorData } from './dtype';

/** One named tensor: dtype, shape and its flat data in row-major order. */
export interface Tensor<D extends Dtype = Dtype> {
  readonly dtype: D;
  /** e.g. `[B, N, D]`; `[]` is a scalar. */
  readonly shape: readonly number[];
  readonly data: TensorData;
}

/** The contents of a safetensors file. */
export interface SafetensorsFile {
  readonly tensors: Map<string, Tensor>;
  readonly metadata: Record<string, string>;
}

/** A typed view over `bytes` when aligned, else an aligned copy. */
export function viewAs(dtype: Dtype, bytes: Uint8Array): TensorData {
  const { bytes: size, array } = DTYPES[dtype];
  const length = bytes.byteLength / size;
  if (bytes.byteOffset % size === 0) return new array(bytes.buffer, bytes.byteOffset, length);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new array(copy.buffer, 0, length);
}
