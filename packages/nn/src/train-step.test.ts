import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel, tinyBatch, tinyConfig } from '../test/fixtures/tiny-model';
import { useWasm } from '../test/reference';
import { AdamW } from './adamw';
import { tf } from './backend';
import { initLora } from './dense';
import { disposeParams, paramCount, setTrainable } from './params';
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

describe('parameter-efficient training', () => {
  it('with LoRA on chosen projections, only the adapters change', () => {
    const model = buildModel(tinyConfig);
    for (const name of ['blocks.0.attn.qkv', 'blocks.1.attn.qkv'])
      initLora(model.params, name, { rank: 2, alpha: 4 }, 5);
    setTrainable(model.params, (n) => n.includes('.lora_') || n.startsWith('head.'));
    const frozen = Array.from((model.params.get('blocks.0.attn.qkv.weight') as tf.Variable).dataSync());
    const loraB = Array.from((model.params.get('blocks.0.attn.qkv.lora_B.weight') as tf.Variable).dataSync());
    const opt = new AdamW(model.params, { lr: 1e-2 });
    trainStep(model, tinyBatch(tinyConfig, 4, 3), opt);
    expect(Array.from((model.params.get('blocks.0.attn.qkv.weight') as tf.Variable).dataSync())).toEqual(
      frozen,
    );
    expect(
      Array.from((model.params.get('blocks.0.attn.qkv.lora_B.weight') as tf.Variable).dataSync()),
    ).not.toEqual(loraB);
    expect(paramCount(model.params, (n) => n.includes('.lora_'))).toBe(2 * (2 * 16 + 48 * 2));
    opt.dispose();
    disposeParams(model.params);
  });
});

describe('gradient accumulation', () => {
  it('two micro-batches give the same update as one step on the whole batch', () => {
    const whole = buildModel(tinyConfig);
    const split = buildModel(tinyConfig);
    const batch = tinyBatch(tinyConfig, 4, 7);
    const a = new AdamW(whole.params, { lr: 1e-2 });
    const b = new AdamW(split.params, { lr: 1e-2 });
    const one = trainStep(whole, batch, a, { clipNorm: 1 });
    const two = trainStep(split, batch, b, { clipNorm: 1, microBatches: 2 });
    expect(two.loss).toBeCloseTo(one.loss, 5);
    expect(two.gradNorm).toBeCloseTo(one.gradNorm, 4);
    for (const [name, v] of whole.params) {
      const w = Array.from((v as tf.Variable).dataSync());
      const s = Array.from((split.params.get(name) as tf.Variable).dataSync());
      // Adam's first step is ~lr * sign(g): fp32 noise in near-zero gradients moves it by up to ~1e-4.
      for (let i = 0; i < w.length; i++) expect(s[i]).toBeCloseTo(w[i], 3);
    }
    a.dispose();
    b.dispose();
    disposeParams(whole.params);
    disposeParams(split.params);
  });
});
