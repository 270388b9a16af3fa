import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from '@vfmkit/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { referencePython } from '../../../test-support/reference-tools';
import { parseTextEncoderConfig, TextTokenizer, textWeightSpecs } from '../src/index';
import { TextTransformer } from '../src/tfjs/index';
import { randomWeights } from './text-reference';

const PY = referencePython(['torch']);
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'text-reference', 'text_tower_torch.py');

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: null });
});

describe('text tower against PyTorch (torch.nn.TransformerEncoderLayer, pre-norm, key padding mask)', () => {
  it.skipIf(!PY)('matches float64 PyTorch on tokenized captions, both poolings', async () => {
    const tok = await TextTokenizer.train(
      ['A red cube slides to the left.', 'A blue sphere bounces twice.', 'The camera pans right slowly.'],
      { vocabSize: 70 },
    );
    const enc = tok.encode(['a red sphere bounces.', 'the blue cube slides left slowly.', 'camera'], 12);
    for (const pooling of ['mean', 'first'] as const) {
      const config = parseTextEncoderConfig({
        vocabSize: tok.vocabSize,
        maxLength: 12,
        width: 24,
        depth: 2,
        heads: 3,
        mlpRatio: 2,
        embedDim: 8,
        pooling,
      });
      const weights = randomWeights(textWeightSpecs(config), 21, 0.25);
      const model = TextTransformer.create(config, weights);
      const ids = tf.tensor2d(enc.ids, enc.shape, 'int32');
      const mask = tf.tensor2d(enc.mask, enc.shape);
      const out = model.forward(ids, mask);
      const ours = out.arraySync();
      tf.dispose([ids, mask, out]);
      model.dispose();
      const [b, l] = enc.shape;
      const rows = (a: ArrayLike<number>) =>
        Array.from({ length: b }, (_, i) => Array.from(a).slice(i * l, (i + 1) * l));
      const request = {
        config,
        weights: Object.fromEntries(
          [...weights].map(([k, v]) => [k, { shape: v.shape, data: Array.from(v.data) }]),
        ),
        ids: rows(enc.ids),
        mask: rows(enc.mask),
      };
      const r = spawnSync(PY as string, [SCRIPT], { input: JSON.stringify(request), encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const ref = JSON.parse(r.stdout) as number[][];
      let err = 0;
      for (let i = 0; i < b; i++)
        for (let j = 0; j < config.embedDim; j++) err = Math.max(err, Math.abs(ours[i][j] - ref[i][j]));
      expect(err).toBeLessThan(2e-5);
      expect(Math.max(...ref.flat().map(Math.abs))).toBeGreaterThan(0.1);
    }
  });
});
