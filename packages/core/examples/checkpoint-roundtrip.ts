/** Writes a small checkpoint atomically, reads one tensor lazily, and shows seeded sampling. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, SafetensorsReader, tokenGridOf, writeSafetensors } from '../src/index';

const grid = tokenGridOf([16, 224, 224], [2, 16, 16]);
const rng = new Rng(0);
const weight = Float32Array.from({ length: 384 * 4 }, () => rng.normal(0, 0.02));
const path = join(mkdtempSync(join(tmpdir(), 'vfm-demo-')), 'demo.safetensors');
await writeSafetensors(
  path,
  { 'head.weight': { dtype: 'F32', shape: [384, 4], data: weight } },
  { config: JSON.stringify({ grid }) },
);
const reader = await SafetensorsReader.open(path);
const head = await reader.read('head.weight');
await reader.close();
console.log(`token grid of 16x224x224 with 2x16x16 tubelets: ${JSON.stringify(grid)}`);
console.log(
  `wrote ${path}; read back head.weight [${head.shape.join(', ')}], first value ${(head.data as Float32Array)[0].toFixed(5)}`,
);
console.log(
  `10% of the ${grid.t * grid.h * grid.w} tokens, seed 0: ${Array.from(new Rng(0).sample(1568, 8)).join(', ')}, ...`,
);
