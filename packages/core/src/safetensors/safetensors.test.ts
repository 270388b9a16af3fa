import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referencePython } from '../../../../test-support/reference-tools';
import { CheckpointError } from '../errors';
import { bfloat16ToFloat32, float16ToFloat32, float32ToBfloat16, float32ToFloat16 } from './dtype';
import { parseSafetensors, readSafetensors, SafetensorsReader } from './read';
import type { Tensor } from './tensor';
import { serializeSafetensors, writeSafetensors } from './write';

/** python3 with numpy, the independent reader (in CI its absence throws). */
const NUMPY = referencePython(['numpy']);

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

/** Mixed dtypes inserted narrowest first: in insertion order most tensors would be misaligned. */
function mixedDtypes(): Record<string, Tensor> {
  return {
    z_u8: { dtype: 'U8', shape: [3], data: new Uint8Array([1, 2, 3]) },
    b_f16: {
      dtype: 'F16',
      shape: [3],
      data: new Uint16Array([float32ToFloat16(0.5), 0, float32ToFloat16(-2)]),
    },
    a_f32: { dtype: 'F32', shape: [1], data: new Float32Array([1.25]) },
    bool: { dtype: 'BOOL', shape: [1], data: new Uint8Array([1]) },
    c_f64: { dtype: 'F64', shape: [2], data: new Float64Array([Math.E, -1e-300]) },
    i32: { dtype: 'I32', shape: [3], data: new Int32Array([-7, 8, 9]) },
    a_f64: { dtype: 'F64', shape: [1], data: new Float64Array([0.1]) },
    i64: { dtype: 'I64', shape: [1], data: new BigInt64Array([-(2n ** 40n)]) },
    bf: { dtype: 'BF16', shape: [1], data: new Uint16Array([float32ToBfloat16(3)]) },
  };
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

  it('aligns mixed dtypes as the reference writer does: widest dtype first, then name', () => {
    const tensors = mixedDtypes();
    const bytes = serializeSafetensors(tensors, { note: 'x' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    // JSON key order = data order; hand-worked from the Rust writer's sort (Dtype enum order, descending)
    const order = Object.keys(header).filter((k) => k !== '__metadata__');
    expect(order).toEqual(['i64', 'a_f64', 'c_f64', 'a_f32', 'i32', 'bf', 'b_f16', 'z_u8', 'bool']);
    const size: Record<string, number> = { I64: 8, F64: 8, F32: 4, I32: 4, BF16: 2, F16: 2, U8: 1, BOOL: 1 };
    expect((8 + n) % 8).toBe(0);
    for (const name of order)
      expect((8 + n + header[name].data_offsets[0]) % size[header[name].dtype]).toBe(0);
    expect(parseSafetensors(bytes).tensors.get('c_f64')?.data).toEqual(tensors.c_f64.data);
  });

  it.skipIf(!NUMPY)(
    'numpy reads each tensor of a mixed-dtype file as an aligned view at its offset',
    async () => {
      const file = join(dir, 'aligned.safetensors');
      await writeSafetensors(file, mixedDtypes(), { note: 'x' });
      const code = `
import json, struct, sys
import numpy as np
raw = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
h = json.loads(raw[8:8 + n])
dt = {'F64': '<f8', 'F32': '<f4', 'F16': '<f2', 'BF16': '<u2', 'I64': '<i8', 'I32': '<i4', 'U8': 'u1', 'BOOL': '?'}
rank = ['BOOL', 'U8', 'I8', 'I16', 'F16', 'BF16', 'I32', 'F32', 'F64', 'I64']
names = [k for k in h if k != '__metadata__']
expected = sorted(names, key=lambda k: (-rank.index(h[k]['dtype']), k.encode()))
out = {'order_ok': names == expected, 'header_8': n % 8 == 0, 'aligned': [], 'values': {}}
for k in names:
    a, b = h[k]['data_offsets']
    start = 8 + n + a
    arr = np.frombuffer(raw, dtype=dt[h[k]['dtype']], count=(b - a) // np.dtype(dt[h[k]['dtype']]).itemsize, offset=start)
    out['aligned'].append(start % arr.dtype.itemsize == 0 and arr.ctypes.data % arr.dtype.itemsize == 0)
    out['values'][k] = [float(v) for v in (arr.astype(np.float32) if h[k]['dtype'] == 'F16' else arr)]
print(json.dumps(out))`;
      const res = JSON.parse(execFileSync(NUMPY as string, ['-c', code, file], { encoding: 'utf8' })) as {
        order_ok: boolean;
        header_8: boolean;
        aligned: boolean[];
        values: Record<string, number[]>;
      };
      expect([res.order_ok, res.header_8]).toEqual([true, true]);
      expect(res.aligned).toEqual(new Array(9).fill(true));
      expect(res.values.c_f64).toEqual([Math.E, -1e-300]);
      expect(res.values.i32).toEqual([-7, 8, 9]);
      expect(res.values.i64).toEqual([-(2 ** 40)]);
      expect(res.values.b_f16).toEqual([0.5, 0, -2]);
      expect(res.values.a_f32).toEqual([1.25]);
    },
  );

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
      // the file's own bytes at fileRange are the tensor's little-endian data
      const [begin, end] = reader.fileRange('f64');
      const raw = (await readFile(path)).subarray(begin, end);
      expect(Array.from({ length: 4 }, (_, i) => raw.readDoubleLE(8 * i))).toEqual([
        1.5,
        -2.25,
        1e-300,
        Math.PI,
      ]);
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
