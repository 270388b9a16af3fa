import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel, tinyBatch, tinyConfig } from '../test/fixtures/tiny-model';
import { useWasm } from '../test/reference';
import { AdamW } from './adamw';
import { tf } from './backend';
import { disposeParams } from './params';
import { trainStep } from './train-step';

beforeAll(useWasm);

describe('training a tiny transformer', () => {
  it('overfits a fixed batch: the loss drops by more than 10x', () => {
    const model = buildModel(tinyConfig);
    const batch = tinyBatch(tinyConfig, 4, 3);
    const opt = new AdamW(model.params, { lr: 1e-2, weightDecay: 0.01 });
    const losses: number[] = [];
    for (let s = 0; s < 25; s++) losses.push(trainStep(model, batch, opt, { clipNorm: 1 }).loss);
    expect(losses[0]).toBeGreaterThan(1);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 10);
    opt.dispose();
    disposeParams(model.params);
  });

  it('leaks no tensors across steps', () => {
    const model = buildModel(tinyConfig);
    const batch = tinyBatch(tinyConfig, 4, 4);
    const opt = new AdamW(model.params, { lr: 1e-3 });
    trainStep(model, batch, opt, { clipNorm: 1 }); // creates the moment variables
    const before = tf.memory().numTensors;
    for (let s = 0; s < 3; s++) trainStep(model, batch, opt, { clipNorm: 0.01 });
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    disposeParams(model.params);
    expect(tf.memory().numTensors).toBeLessThan(before);
  });
});
