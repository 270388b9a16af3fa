/**
 * Trains a tiny transformer classifier on a fixed batch for a few seconds, in one thread and then
 * with two data-parallel workers, and saves/reloads the weights as safetensors.
 *
 *   npm run demo -w @vfmkit/nn
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdamW,
  cosineSchedule,
  DataParallel,
  initBackend,
  loadParams,
  paramCount,
  saveParams,
  trainStep,
} from '../src/index';
import { buildModel, tinyBatch, tinyConfig } from '../test/fixtures/tiny-model';

await initBackend();
const model = buildModel(tinyConfig);
const batch = tinyBatch(tinyConfig, 4, 3);
const schedule = { baseLr: 1e-2, warmupSteps: 3, totalSteps: 25 };
const lr = cosineSchedule(schedule);
const opt = new AdamW(model.params, { lr: 1e-2, weightDecay: 0.01 });
console.log(`tiny transformer: ${paramCount(model.params)} parameters`);
for (let s = 0; s < 25; s++) {
  const { loss, gradNorm } = trainStep(model, batch, opt, { lr: lr(s), clipNorm: 1 });
  if (s % 5 === 0 || s === 24)
    console.log(`step ${s}: loss ${loss.toFixed(4)} (grad norm ${gradNorm.toFixed(3)})`);
}

const dir = mkdtempSync(join(tmpdir(), 'vfm-nn-demo-'));
const file = join(dir, 'tiny.safetensors');
await saveParams(file, model.params, { config: JSON.stringify(tinyConfig) });
const fresh = buildModel({ ...tinyConfig, seed: 99 });
const { loaded } = await loadParams(file, fresh.params);
console.log(`saved and reloaded ${loaded.length} tensors from ${file}`);
rmSync(dir, { recursive: true, force: true });

const dp = await DataParallel.create({
  module: new URL('../test/fixtures/tiny-model.ts', import.meta.url),
  config: tinyConfig,
  workers: 2,
  optimizer: { lr: 1e-2, weightDecay: 0.01 },
  schedule,
  clipNorm: 1,
});
for (let s = 0; s < 10; s++) {
  const { loss } = await dp.step(batch);
  if (s % 3 === 0 || s === 9) console.log(`2 workers, step ${s}: loss ${loss.toFixed(4)}`);
}
await dp.close();
