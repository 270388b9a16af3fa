import { CheckpointError } from '../errors';
import { sizeOf } from '../shape';
import { DTYPES, type Dtype, isDtype } from './dtype';

/** Where one tensor lives inside the data section of a safetensors file. */
export interface TensorInfo {
  readonly dtype: Dtype;
  /** e.g. `[768, 3, 2, 16, 16]` */
  readonly shape: readonly number[];
  /** Byte range `[begin, end)` relative to the start of the data section. */
  readonly offsets: readonly [number, number];
}

export interface SafetensorsHeader {
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  /** The `__metadata__` string map (vfmkit stores a model's JSON config here). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Byte offset of the data section in the file: 8 + header length. */
  readonly dataStart: number;
}

/** The reference implementation's limit on the JSON header (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

/** Reads the 8-byte little-endian header length and checks it against the file size. */
export function readHeaderLength(prefix: Uint8Array, fileSize: number, path?: string): number {
  if (fileSize < 8 || prefix.byteLength < 8) {
    throw new CheckpointError(
      `${path ?? 'buffer'}: ${fileSize} bytes is too short for a safetensors file (needs an 8-byte header length)`,
      { path, fileSize },
    );
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const length = view.getBigUint64(0, true);
  if (length > BigInt(MAX_HEADER_BYTES)) {
    throw new CheckpointError(
      `${path ?? 'buffer'}: header length ${length} exceeds the ${MAX_HEADER_BYTES}-byte limit (corrupt or not safetensors)`,
      {
        path,
        headerLength: Number(length),
      },
    );
  }
  const n = Number(length);
  if (8 + n > fileSize) {
    throw new CheckpointError(
      `${path ?? 'buffer'}: header length ${n} runs past the end of the ${fileSize}-byte file (truncated?)`,
      {
        path,
        headerLength: n,
        fileSize,
      },
    );
  }
  return n;
}

/**
 * Parses and validates a header, as the reference implementation does: known dtypes, integer shapes,
 * byte ranges that match dtype x shape, lie inside the data section, do not overlap and leave no gaps.
 */
export function parseHeader(json: Uint8Array, fileSize: number, path?: string): SafetensorsHeader {
  const where = path ?? 'buffer';
  const bad = (message: string, extra: Record<string, unknown> = {}): never => {
    throw new CheckpointError(`${where}: ${message}`, { path, ...extra });
  };
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (cause) {
    throw new CheckpointError(`${where}: header is not valid UTF-8 JSON`, { path }, { cause });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) bad('header is not a JSON object');
  const dataStart = 8 + json.byteLength;
  const dataBytes = fileSize - dataStart;
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(raw as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
        bad('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(entry as object))
        if (typeof v !== 'string') bad(`__metadata__.${k} is not a string`, { key: k });
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e === null || typeof e !== 'object') bad(`tensor "${name}" entry is not an object`, { tensor: name });
    if (!isDtype(e.dtype))
      bad(`tensor "${name}" has unknown dtype ${JSON.stringify(e.dtype)}`, { tensor: name });
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      bad(`tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`, { tensor: name });
    }
    const off = e.data_offsets;
    if (
      !Array.isArray(off) ||
      off.length !== 2 ||
      !off.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      off[0] > off[1]
    ) {
      bad(`tensor "${name}" has invalid data_offsets ${JSON.stringify(off)}`, { tensor: name });
    }
    const [begin, end] = off as [number, number];
    const dtype = e.dtype as Dtype;
    const want = sizeOf(shape as number[]) * DTYPES[dtype].bytes;
    if (end - begin !== want) {
      bad(
        `tensor "${name}" spans ${end - begin} bytes but ${dtype} x [${(shape as number[]).join(', ')}] needs ${want}`,
        { tensor: name },
      );
    }
    if (end > dataBytes) {
      bad(`tensor "${name}" ends at byte ${end} of a ${dataBytes}-byte data section (truncated file?)`, {
        tensor: name,
        end,
        dataBytes,
      });
    }
    tensors.set(name, { dtype, shape: shape as number[], offsets: [begin, end] });
  }
  const sorted = [...tensors.entries()].sort(
    (a, b) => a[1].offsets[0] - b[1].offsets[0] || a[1].offsets[1] - b[1].offsets[1],
  );
  let cursor = 0;
  for (const [name, info] of sorted) {
    if (info.offsets[0] < cursor)
      bad(
        `tensor "${name}" overlaps the previous tensor (starts at ${info.offsets[0]}, previous ends at ${cursor})`,
        { tensor: name },
      );
    if (info.offsets[0] > cursor)
      bad(
        `gap in the data section before tensor "${name}" (bytes ${cursor}..${info.offsets[0]} belong to no tensor)`,
        { tensor: name },
      );
    cursor = info.offsets[1];
  }
  if (cursor !== dataBytes)
    bad(`data section has ${dataBytes} bytes but tensors cover ${cursor}`, { dataBytes, covered: cursor });
  return { tensors, metadata, dataStart };
}

/**
 * Encodes a header: JSON padded with spaces to a multiple of 8 bytes (so the data section is 8-aligned),
 * prefixed by its length as a little-endian u64.
 */
export function encodeHeader(
  entries: ReadonlyMap<string, TensorInfo>,
  metadata: Record<string, string>,
): Uint8Array {
  const obj: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) obj.__metadata__ = metadata;
  for (const [name, info] of entries)
    obj[name] = { dtype: info.dtype, shape: info.shape, data_offsets: info.offsets };
  const json = new TextEncoder().encode(JSON.stringify(obj));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return out;
}
