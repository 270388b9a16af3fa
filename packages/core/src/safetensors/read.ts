import { type FileHandle, open, readFile } from 'node:fs/promises';
import { CheckpointError } from '../errors';
import { parseHeader, readHeaderLength, type SafetensorsHeader, type TensorInfo } from './header';
import { type SafetensorsFile, type Tensor, viewAs } from './tensor';

/**
 * Parses a whole safetensors file held in memory. Tensor data are views into `bytes` where alignment
 * allows (no copy), else aligned copies.
 * @throws CheckpointError for a corrupt, truncated or inconsistent file.
 */
export function parseSafetensors(bytes: Uint8Array, path?: string): SafetensorsFile {
  const n = readHeaderLength(bytes, bytes.byteLength, path);
  const header = parseHeader(bytes.subarray(8, 8 + n), bytes.byteLength, path);
  const tensors = new Map<string, Tensor>();
  for (const [name, info] of header.tensors) {
    const [begin, end] = info.offsets;
    const slice = bytes.subarray(header.dataStart + begin, header.dataStart + end);
    tensors.set(name, { dtype: info.dtype, shape: info.shape, data: viewAs(info.dtype, slice) });
  }
  return { tensors, metadata: { ...header.metadata } };
}

/** Reads and validates a whole safetensors file. */
export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new CheckpointError(
      `cannot read checkpoint ${path}: ${(cause as Error).message}`,
      { path },
      { cause },
    );
  }
  return parseSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}

/**
 * A safetensors file opened for lazy reads: only the header is read and validated up front;
 * {@link SafetensorsReader.read} loads one tensor's bytes. Close it when done.
 */
export class SafetensorsReader {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly header: SafetensorsHeader,
  ) {}

  static async open(path: string): Promise<SafetensorsReader> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (cause) {
      throw new CheckpointError(
        `cannot open checkpoint ${path}: ${(cause as Error).message}`,
        { path },
        { cause },
      );
    }
    try {
      const { size } = await handle.stat();
      const prefix = new Uint8Array(8);
      await handle.read(prefix, 0, Math.min(8, size), 0);
      const n = readHeaderLength(prefix, size, path);
      const json = new Uint8Array(n);
      await handle.read(json, 0, n, 8);
      return new SafetensorsReader(path, handle, parseHeader(json, size, path));
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  get metadata(): Readonly<Record<string, string>> {
    return this.header.metadata;
  }

  /** Tensor names in file order. */
  names(): string[] {
    return [...this.header.tensors.entries()]
      .sort((a, b) => a[1].offsets[0] - b[1].offsets[0])
      .map(([name]) => name);
  }

  info(name: string): TensorInfo {
    const info = this.header.tensors.get(name);
    if (!info)
      throw new CheckpointError(`${this.path}: no tensor named "${name}"`, { path: this.path, tensor: name });
    return info;
  }

  /** Byte range `[begin, end)` of a tensor's data in the file (absolute offsets, for reads of part of it). */
  fileRange(name: string): [number, number] {
    const [begin, end] = this.info(name).offsets;
    return [this.header.dataStart + begin, this.header.dataStart + end];
  }

  /** Reads one tensor from disk. */
  async read(name: string): Promise<Tensor> {
    const info = this.info(name);
    const [begin, end] = info.offsets;
    const bytes = new Uint8Array(end - begin);
    const { bytesRead } = await this.handle.read(bytes, 0, bytes.byteLength, this.header.dataStart + begin);
    if (bytesRead !== bytes.byteLength) {
      throw new CheckpointError(
        `${this.path}: short read of "${name}" (${bytesRead} of ${bytes.byteLength} bytes)`,
        { path: this.path, tensor: name },
      );
    }
    return { dtype: info.dtype, shape: info.shape, data: viewAs(info.dtype, bytes) };
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
