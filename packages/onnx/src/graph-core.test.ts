import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { f32 } from '../test/test-utils';
import { attr } from './attributes';
import { OnnxGraphError } from './errors';
import { GraphBuilder } from './graph-builder';
import { GraphCore } from './graph-core';
import { readModelInfo } from './model-info';
import { openSession } from './session';

describe('graph names are checked before ONNX Runtime sees the graph', () => {
  it('rejects an input that nothing defines', () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [2]);
    const err = (() => {
      try {
        g.add(x, 'y_typo');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(OnnxGraphError);
    expect(err).toMatchObject({ code: 'ONNX_GRAPH', details: { name: 'y_typo', op: 'Add', index: 1 } });
  });

  it('rejects duplicate names and bad outputs', () => {
    const g = new GraphCore();
    const x = g.input('x', 'float32', ['batch', 3]);
    expect(() => g.input('x', 'float32', [3])).toThrow(/defined twice/);
    expect(() => g.initializer({ data: new Float32Array(3), dims: [3] }, 'x')).toThrow(OnnxGraphError);
    g.node('Relu', [x], {}, { outputs: ['r'] });
    expect(() => g.node('Relu', [x], {}, { outputs: ['r'] })).toThrow(/'r' is defined twice/);
    expect(() => g.output('nope', 'float32')).toThrow(OnnxGraphError);
    expect(() => g.toBuffer()).toThrow(/no outputs/);
    g.output('r', 'float32');
    expect(() => g.output('r', 'float32')).toThrow(/already a graph output/);
    expect(() => g.initializer({ data: new Float32Array(5), dims: [2, 3] })).toThrow(/do not fill/);
    expect(() => g.input('z', 'float32', [-1])).toThrow(/bad dim/);
    expect(() => new GraphCore({ opset: 13 })).toThrow(/opset 13/);
  });

  it('scopes prefix generated names', () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [2]);
    const y = g.scope('block0', () => g.scope('mlp', () => g.unary('Relu', x)));
    expect(y).toMatch(/^block0\/mlp\/relu_\d+$/);
  });
});

describe('model file', () => {
  it('stores config, metadata and opset, writes atomically, and loads back', async () => {
    const config = { model: 'vit-tiny', width: 4, tubelet: [2, 16, 16] };
    const g = new GraphBuilder({ config, metadata: { license: 'Apache-2.0' }, opset: 18, name: 'tiny' });
    const x = g.input('x', 'float32', ['batch', 4]);
    g.output(g.node('LeakyRelu', [x], { alpha: attr.float(0.5) })[0], 'float32', { name: 'y' });
    const dir = mkdtempSync(join(tmpdir(), 'vfm-onnx-'));
    try {
      const path = join(dir, 'tiny.onnx');
      await g.writeFile(path);
      const info = await readModelInfo(path);
      expect(info).toMatchObject({
        irVersion: 8,
        opsets: { 'ai.onnx': 18 },
        producer: 'vfmkit',
        graphName: 'tiny',
        config,
      });
      expect(info.metadata.license).toBe('Apache-2.0');
      expect(info.ops).toEqual({ LeakyRelu: 1, Identity: 1 });
      const s = await openSession(path, { device: 'cpu' });
      const out = await s.run({ x: f32(Float32Array.of(-2, -1, 0, 3), [1, 4]) });
      expect(Array.from(out.y.data as Float32Array)).toEqual([-1, -0.5, 0, 3]);
      await s.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('defaults to opset 17 (IR 8) and rejects non-ONNX bytes', async () => {
    const g = new GraphBuilder();
    g.output(g.unary('Neg', g.input('x', 'float32', [1])), 'float32');
    expect(await readModelInfo(g.toBuffer())).toMatchObject({ irVersion: 8, opsets: { 'ai.onnx': 17 } });
    await expect(readModelInfo(new Uint8Array([0xff, 0xff, 0xff]))).rejects.toBeInstanceOf(OnnxGraphError);
  });
});
