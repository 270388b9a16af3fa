import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { referencePython } from '../../../test-support/reference-tools';
import { GraphBuilder } from '../src/graph-builder';
import { evaluate, f32, Rng, randn } from './test-utils';

/** python3 with torch, the independent reference (in CI its absence throws). */
const TORCH = referencePython(['torch']);

describe('ONNX Runtime against PyTorch (float64)', () => {
  it.skipIf(!TORCH)('layer norm -> linear -> exact GELU -> softmax, as a transformer MLP input', async () => {
    const rng = new Rng(11);
    const [b, n, d, h] = [2, 5, 8, 12];
    const x = randn(rng, b * n * d);
    const scale = randn(rng, d, 0.2).map((v) => 1 + v);
    const shift = randn(rng, d, 0.1);
    const w = randn(rng, d * h, 0.3);
    const bias = randn(rng, h, 0.1);
    const g = new GraphBuilder();
    const input = g.input('x', 'float32', [b, n, d]);
    const normed = g.layerNorm(input, g.f32(scale, [d]), g.f32(shift, [d]), { epsilon: 1e-5 });
    g.output(g.softmax(g.gelu(g.linear(normed, w, [d, h], bias))), 'float32', { name: 'y' });
    const out = await evaluate(g, { x: f32(x, [b, n, d]) });

    const code = `
import json, sys, torch
import torch.nn.functional as F
a = json.load(sys.stdin)
t = lambda k, *s: torch.tensor(a[k], dtype=torch.float64).reshape(*s)
x = F.layer_norm(t('x', ${b}, ${n}, ${d}), (${d},), t('scale', ${d}), t('shift', ${d}), 1e-5)
y = torch.softmax(F.gelu(x @ t('w', ${d}, ${h}) + t('bias', ${h})), -1)
print(json.dumps(y.flatten().tolist()))`;
    const input64 = { x: [...x], scale: [...scale], shift: [...shift], w: [...w], bias: [...bias] };
    const ref = JSON.parse(
      execFileSync(TORCH as string, ['-c', code], { input: JSON.stringify(input64), encoding: 'utf8' }),
    ) as number[];
    const y = out.y.data as Float32Array;
    expect(out.y.dims).toEqual([b, n, h]);
    expect(y.length).toBe(ref.length);
    let worst = 0;
    for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(y[i] - ref[i]));
    expect(worst).toBeLessThan(1e-6);
  });
});
