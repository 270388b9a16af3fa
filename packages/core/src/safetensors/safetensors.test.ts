import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError } from '../errors';
import { bfloat16ToFloat32, float16ToFloat32, float32ToBfloat16, float32ToFloat16 } from './dtype';
import { parseSafetensors, readSafetensors, SafetensorsReader } from './read';
import type { Tensor } from './tensor';
import { serializeSafetensors, writeSafetensors } from './write';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vfm-st-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** One tensor of every dtype PyTorch writes (plus I8/I16). */
function everyDtype(): Record<string, Tensor> {
  return {
    f64: { dtype: 'F64', shape: [2, 2], data: new Float64Array([1.5, -2.25, 1e-300, Math.PI]) },
    f32: { dtype: 'F32', shape: [3], data: new Float32Array([0.1, -1, 3e38]) },
    f16: {
      dtype: 'F16',
      shape: [2],
      data: new Uint16Array([float32ToFloat16(1.5), float32ToFloat16(-0.333)]),
    },
    bf16: {
      dtype: 'BF16',
      shape: [1, 2],
      data: new Uint16Array([float32ToBfloat16(2.5), float32ToBfloat16(-1e20)]),
    },
    i64: { dtype: 'I64', shape: [2], data: new BigInt64Array([-(2n ** 62n), 7n]) },
    i32: { dtype: 'I32', shape: [2], data: new Int32Array([-2147483648, 5]) },
    i16: { dtype: 'I16', shape: [1], data: new Int16Array([-300]) },
    i8: { dtype: 'I8', shape: [1], data: new Int8Array([-7]) },
    u8: { dtype: 'U8', shape: [3], data: new Uint8Array([0, 128, 255]) },
    bool: { dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) },
    scalar: { dtype: 'F32', shape: [], data: new Float32Array([42]) },
    empty: { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
  };
}

/** Builds a file as the reference (Rust) implementation lays it out, by hand. */
function referenceLayout(header: object, data: Uint8Array, padTo8 = true): Uint8Array {
  let json = new TextEncoder().encode(JSON.stringify(header));
  if (padTo8) {
    const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
    padded.set(json);
    json = padded;
  }
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function expectCheckpointError(fn: () => unknown, pattern: RegExp) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    expect((e as Error).message).toMatch(pattern);
    return;
  }
  expect.unreachable('expected a CheckpointError');
}

describe('safetensors', () => {
  it('round-trips every dtype through a file, with metadata', async () => {
    const path = join(dir, 'all.safetensors');
    const tensors = everyDtype();
    await writeSafetensors(path, tensors, { config: JSON.stringify({ width: 384 }) });
    const back = await readSafetensors(path);
    expect(back.metadata).toEqual({ config: '{"width":384}' });
    expect([...back.tensors.keys()].sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      const got = back.tensors.get(name)!;
      expect(got.dtype).toBe(t.dtype);
      expect(got.shape).toEqual(t.shape);
      expect(got.data.constructor).toBe(t.data.constructor);
      expect(Array.from(got.data as ArrayLike<number>)).toEqual(Array.from(t.data as ArrayLike<number>));
    }
  });

  it('writes the reference layout: u64 LE length, space-padded JSON to 8 bytes, 8-aligned data', () => {
    const bytes = serializeSafetensors({ a: { dtype: 'F32', shape: [1], data: new Float32Array([1]) } });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const json = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(JSON.parse(json)).toEqual({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } });
    expect(json.trimEnd().length).toBeLessThanOrEqual(n);
    expect(new Float32Array(bytes.buffer, 8 + n, 1)[0]).toBe(1);
  });

  it('reads a hand-laid reference file: keys in any order, __metadata__ map, unpadded header', () => {
    const data = new Uint8Array(12);
    new DataView(data.buffer).setInt32(0, -5, true);
    new DataView(data.buffer).setFloat64(4, 2.5, true);
    const header = {
      b: { data_offsets: [4, 12], shape: [1], dtype: 'F64' },
      __metadata__: { format: 'pt' },
      a: { shape: [1], dtype: 'I32', data_offsets: [0, 4] },
    };
    for (const pad of [true, false]) {
      const file = parseSafetensors(referenceLayout(header, data, pad));
      expect(file.metadata).toEqual({ format: 'pt' });
      expect(Array.from(file.tensors.get('a')!.data as Int32Array)).toEqual([-5]);
      // misaligned when unpadded: read through an aligned copy
      expect(Array.from(file.tensors.get('b')!.data as Float64Array)).toEqual([2.5]);
    }
  });

  it('rejects corrupt headers, truncation, overlaps and absurd sizes with CheckpointError', () => {
    const data = new Uint8Array(8);
    const ok = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
    expect(parseSafetensors(referenceLayout(ok, data)).tensors.size).toBe(1);

    expectCheckpointError(() => parseSafetensors(new Uint8Array(5)), /too short/);
    const absurd = new Uint8Array(16);
    new DataView(absurd.buffer).setBigUint64(0, 2n ** 40n, true);
    expectCheckpointError(() => parseSafetensors(absurd), /exceeds/);
    const pastEnd = new Uint8Array(16);
    new DataView(pastEnd.buffer).setBigUint64(0, 100n, true);
    expectCheckpointError(() => parseSafetensors(pastEnd), /past the end/);

    const garbage = referenceLayout({}, data);
    garbage.set(new TextEncoder().encode('{"a":'), 8);
    expectCheckpointError(() => parseSafetensors(garbage), /not valid UTF-8 JSON/);

    const full = referenceLayout(ok, data);
    expectCheckpointError(() => parseSafetensors(full.subarray(0, full.length - 3)), /truncated/);
    expectCheckpointError(
      () =>
        parseSafetensors(
          referenceLayout(
            {
              a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
              b: { dtype: 'F32', shape: [1], data_offsets: [2, 6] },
            },
            data,
          ),
        ),
      /overlaps/,
    );
    expectCheckpointError(
      () =>
        parseSafetensors(referenceLayout({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, data)),
      /needs 12/,
    );
    expectCheckpointError(
      () => parseSafetensors(referenceLayout({ a: { dtype: 'X9', shape: [2], data_offsets: [0, 8] } }, data)),
      /unknown dtype/,
    );
    expectCheckpointError(
      () =>
        parseSafetensors(referenceLayout({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, data)),
      /gap/,
    );
    expectCheckpointError(
      () => parseSafetensors(referenceLayout({ __metadata__: { n: 3 }, ...ok }, data)),
      /not a string/,
    );
  });

  it('reads one tensor lazily without loading the file', async () => {
    const path = join(dir, 'lazy.safetensors');
    await writeSafetensors(path, everyDtype(), { k: 'v' });
    const reader = await SafetensorsReader.open(path);
    try {
      expect(reader.metadata).toEqual({ k: 'v' });
      expect(reader.names()).toContain('f64');
      const t = await reader.read('f64');
      expect(Array.from(t.data as Float64Array)).toEqual([1.5, -2.25, 1e-300, Math.PI]);
      await expect(reader.read('nope')).rejects.toBeInstanceOf(CheckpointError);
    } finally {
      await reader.close();
    }
  });

  it('names the file when it is missing or truncated on disk', async () => {
    await expect(readSafetensors(join(dir, 'missing.safetensors'))).rejects.toThrow(/missing\.safetensors/);
    const path = join(dir, 'cut.safetensors');
    await writeSafetensors(path, everyDtype());
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 10));
    await expect(SafetensorsReader.open(path)).rejects.toBeInstanceOf(CheckpointError);
  });

  it('refuses tensors whose data do not match dtype or shape', () => {
    expect(() =>
      serializeSafetensors({ a: { dtype: 'F32', shape: [3], data: new Float32Array(2) } }),
    ).toThrow(CheckpointError);
    expect(() =>
      serializeSafetensors({ a: { dtype: 'F32', shape: [2], data: new Float64Array(2) } }),
    ).toThrow(/Float32Array/);
  });
});

describe('16-bit float conversions', () => {
  it('float16 encodes exactly representable values and rounds to nearest even', () => {
    for (const v of [0, 1, -2, 0.5, 65504, 2 ** -24, 6.103515625e-5])
      expect(float16ToFloat32(float32ToFloat16(v))).toBe(v);
    expect(float32ToFloat16(1 + 2 ** -11)).toBe(0x3c00); // tie -> even
    expect(float32ToFloat16(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(float32ToFloat16(1e6)).toBe(0x7c00);
    expect(Number.isNaN(float16ToFloat32(float32ToFloat16(Number.NaN)))).toBe(true);
  });
  it('bfloat16 keeps the float32 exponent and rounds the mantissa', () => {
    expect(bfloat16ToFloat32(float32ToBfloat16(1))).toBe(1);
    expect(bfloat16ToFloat32(float32ToBfloat16(-1e20))).toBeCloseTo(-1e20, -18);
    expect(Math.abs(bfloat16ToFloat32(float32ToBfloat16(Math.PI)) - Math.PI)).toBeLessThan(0.01);
  });
});
