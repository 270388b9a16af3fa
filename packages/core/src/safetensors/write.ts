import { Buffer } from 'node:buffer';
import { writeFileAtomic } from '../atomic-write';
import { CheckpointError } from '../errors';
import { sizeOf } from '../shape';
import { DTYPES, type Dtype } from './dtype';
import { encodeHeader, type TensorInfo } from './header';
import type { Tensor } from './tensor';

type Tensors = ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>;

function entriesOf(tensors: Tensors): [string, Tensor][] {
  return tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
}

/**
 * The order of the reference writer's (Hugging Face `safetensors`, Rust) `Dtype` enum, smallest first.
 * It writes tensors sorted by this rank descending (widest first), then by name, so every tensor's data
 * starts at a multiple of its element size.
 */
const DTYPE_RANK: Readonly<Record<Dtype, number>> = {
  BOOL: 0,
  U8: 1,
  I8: 2,
  I16: 3,
  F16: 4,
  BF16: 5,
  I32: 6,
  F32: 7,
  F64: 8,
  I64: 9,
};

/** Byte-wise (UTF-8) name order, as Rust's `String` compares. */
const byName = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * Validates tensors and lays out the header; returns the header bytes and the data chunks in order.
 * Layout as the reference writer: tensors sorted by dtype (widest first, then name), so each tensor's
 * data is aligned to its element size; the JSON header is space-padded to a multiple of 8 bytes.
 */
function layout(tensors: Tensors, metadata: Record<string, string>): ArrayBufferView[] {
  const infos = new Map<string, TensorInfo>();
  const chunks: ArrayBufferView[] = [];
  let offset = 0;
  const sorted = entriesOf(tensors).sort(
    ([an, at], [bn, bt]) => (DTYPE_RANK[bt.dtype] ?? -1) - (DTYPE_RANK[at.dtype] ?? -1) || byName(an, bn),
  );
  for (const [name, t] of sorted) {
    if (name === '__metadata__')
      throw new CheckpointError('"__metadata__" is reserved and cannot name a tensor', { tensor: name });
    const spec = DTYPES[t.dtype];
    if (!spec)
      throw new CheckpointError(`tensor "${name}" has unknown dtype ${String(t.dtype)}`, { tensor: name });
    if (!(t.data instanceof spec.array)) {
      throw new CheckpointError(
        `tensor "${name}": ${t.dtype} data must be a ${spec.array.name}, got ${t.data?.constructor?.name}`,
        { tensor: name },
      );
    }
    const want = sizeOf(t.shape);
    if (t.data.length !== want) {
      throw new CheckpointError(
        `tensor "${name}": ${t.data.length} elements do not fill shape [${t.shape.join(', ')}]`,
        { tensor: name },
      );
    }
    const bytes = want * spec.bytes;
    infos.set(name, { dtype: t.dtype, shape: [...t.shape], offsets: [offset, offset + bytes] });
    chunks.push(t.data);
    offset += bytes;
  }
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string')
      throw new CheckpointError(`metadata "${k}" must be a string (JSON.stringify objects)`, { key: k });
  }
  return [encodeHeader(infos, metadata), ...chunks];
}

/** Serializes tensors into one safetensors buffer in memory. */
export function serializeSafetensors(tensors: Tensors, metadata: Record<string, string> = {}): Uint8Array {
  const chunks = layout(tensors, metadata);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), at);
    at += c.byteLength;
  }
  return out;
}

/**
 * Writes tensors to `path` as safetensors, atomically (temp file + fsync + rename), streaming each
 * tensor's bytes without copying them.
 * @example await writeSafetensors('ckpt.safetensors', { w: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } }, { config: JSON.stringify(cfg) })
 */
export async function writeSafetensors(
  path: string,
  tensors: Tensors,
  metadata: Record<string, string> = {},
): Promise<void> {
  const chunks = layout(tensors, metadata);
  try {
    await writeFileAtomic(path, chunks);
  } catch (cause) {
    throw new CheckpointError(
      `cannot write checkpoint ${path}: ${(cause as Error).message}`,
      { path },
      { cause },
    );
  }
}
