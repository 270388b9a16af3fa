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
