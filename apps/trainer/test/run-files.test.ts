import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { trainConfigSchema } from '../src/config/schema';
import { synth4dSource } from '../src/data/clip-source';
import { DataOrder } from '../src/data/data-order';
import { JsonlLog, LogFormatError } from '../src/run/jsonl-log';

const root = mkdtempSync(join(tmpdir(), 'vfm-runfiles-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('JsonlLog.read', () => {
  it('drops a torn last line only', () => {
    const path = join(root, 'torn.jsonl');
    writeFileSync(path, '{"event":"step","step":1}\n{"event":"step","step":2}\n{"event":"st');
    expect(JsonlLog.read(path).map((r) => r.step)).toEqual([1, 2]);
  });

  it('throws LogFormatError naming the line for a bad line before the end', () => {
    const path = join(root, 'bad.jsonl');
    writeFileSync(path, '{"event":"step","step":1}\nnot json\n{"event":"step","step":3}\n');
    expect(() => JsonlLog.read(path)).toThrow(LogFormatError);
    expect(() => JsonlLog.read(path)).toThrow(/bad\.jsonl:2/);
  });
});

describe('data order and synth4d source', () => {
  it('peek shows the next indices without advancing', () => {
    const order = new DataOrder(5, 3, 4);
    const ahead = order.peek(4);
    expect(order.position).toBe(4);
    expect([order.next(), order.next(), order.next(), order.next()]).toEqual(ahead);
    // Position 5 starts epoch 1, a permutation of 0..4.
    expect(new Set(new DataOrder(5, 3, 5).peek(5))).toEqual(new Set([0, 1, 2, 3, 4]));
  });

  it('render workers change no clip: a worker thread and this thread render the same pixels', async () => {
    const base = { recipe: 'mae', frames: 4, size: 16 };
    const inThread = synth4dSource(
      trainConfigSchema.parse({ ...base, data: { source: 'synth4d', size: 0, renderWorkers: 0 } }),
    );
    const pooled = synth4dSource(
      trainConfigSchema.parse({ ...base, data: { source: 'synth4d', size: 0, renderWorkers: 1 } }),
    );
    pooled.prefetch?.([7, 8]);
    const [a, b] = [await inThread.clip(8), await pooled.clip(8)];
    expect(b.shape).toEqual([4, 16, 16, 3]);
    expect(Buffer.from(b.data.buffer).equals(Buffer.from(a.data.buffer))).toBe(true);
    const other = await pooled.clip(7);
    expect(Buffer.from(other.data.buffer).equals(Buffer.from(a.data.buffer))).toBe(false);
    await Promise.all([inThread.close?.(), pooled.close?.()]);
  });
});
