import { beforeAll, describe, expect, it } from 'vitest';
import { useWasm } from '../test/reference';
import { AdamW, defaultDecay } from './adamw';
import { tf } from './backend';
import { Ema } from './ema';
import { clipGlobalNorm, GradientAccumulator, globalNorm } from './gradients';
import { LossScaler } from './loss-scale';
import { addParam, createParams, disposeParams } from './params';
import { cosineSchedule } from './schedule';

beforeAll(useWasm);

describe('AdamW', () => {
  it('follows a hand-computed 3-step trajectory (decay on the matrix, none on the bias)', () => {
    const params = createParams();
    addParam(params, 'fc.weight', tf.tensor2d([0.5, -1, 2, 0.25], [2, 2]));
    addParam(params, 'fc.bias', tf.tensor1d([0.1, -0.2]));
    const opt = new AdamW(params, { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 });
    const steps = [
      [
        [1, -2, 0.5, 0],
        [0.3, -0.1],
      ],
      [
        [-0.5, 1, 0.25, 4],
        [0, 0.2],
      ],
      [
        [2, 2, -1, -3],
        [-0.6, 0.05],
      ],
    ];
    // Step 1 by hand for weight[0]: p = 0.5 (1 - 0.01 * 0.1) = 0.4995; m_hat = g, v_hat = g^2, so the
    // update is lr * g / |g| = 0.01: 0.4895. Later steps: the same formulas (PyTorch 1.13's AdamW
    // printed these float64 values for the same inputs).
    const expected = [
      [
        [0.4895000001, -0.98900000005, 1.9880000002, 0.24975],
        [0.09000000033333333, -0.19000000099999992],
      ],
      [
        [0.4863471297369903, -0.9853476296701932, 1.9766902040475463, 0.2420588817906328],
        [0.08329941810791545, -0.1936610360388489],
      ],
      [
        [0.4792796666544433, -0.9870892499342461, 1.9767770840842938, 0.2410500011699887],
        [0.0866997627240353, -0.1978175477235161],
      ],
    ];
    steps.forEach(([gw, gb], i) => {
      const grads = new Map<string, tf.Tensor>([
        ['fc.weight', tf.tensor2d(gw, [2, 2])],
        ['fc.bias', tf.tensor1d(gb)],
      ]);
      opt.step(grads);
      for (const g of grads.values()) g.dispose();
      const w = params.get('fc.weight')?.dataSync() as Float32Array;
      const b = params.get('fc.bias')?.dataSync() as Float32Array;
      for (const [j, v] of expected[i][0].entries()) expect(w[j]).toBeCloseTo(v, 6);
      for (const [j, v] of expected[i][1].entries()) expect(b[j]).toBeCloseTo(v, 6);
    });
    expect(opt.t).toBe(3);
    opt.dispose();
    disposeParams(params);
  });

  it('decays matrices but not biases, norms or rank-1 parameters by default', () => {
    expect(defaultDecay('blocks.0.attn.qkv.weight', [24, 8])).toBe(true);
    expect(defaultDecay('blocks.0.attn.qkv.bias', [24])).toBe(false);
    expect(defaultDecay('blocks.0.norm1.weight', [8])).toBe(false);
    expect(defaultDecay('fc_norm.weight', [8, 8])).toBe(false);
    expect(defaultDecay('pos_embed', [1, 4, 8])).toBe(true);
  });

  it('rejects a bad config with a ConfigError naming the key', () => {
    expect(() => new AdamW(createParams(), { beta1: 1.5 })).toThrow(
      expect.objectContaining({ code: 'CONFIG' }),
    );
    expect(() => new AdamW(createParams(), { lr: -1 })).toThrow(/lr/);
  });

  it('saves and restores its state', async () => {
    const params = createParams();
    addParam(params, 'w', tf.tensor2d([1, 2, 3, 4], [2, 2]));
    const opt = new AdamW(params, { lr: 0.1 });
    const g = new Map([['w', tf.tensor2d([1, -1, 1, -1], [2, 2])]]);
    opt.step(g);
    const state = await opt.state();
    const other = new AdamW(params, { lr: 0.1 });
    other.setState(state);
    expect(other.t).toBe(1);
    const s2 = await other.state();
    expect(Array.from(s2.tensors.get('exp_avg.w')?.data ?? [])).toEqual(
      Array.from(state.tensors.get('exp_avg.w')?.data ?? []),
    );
    g.get('w')?.dispose();
    opt.dispose();
    other.dispose();
    disposeParams(params);
  });
});

describe('schedule, clipping, accumulation, EMA, loss scaling', () => {
  it('cosine schedule with linear warmup', () => {
    const lr = cosineSchedule({ baseLr: 1, warmupSteps: 10, totalSteps: 110, minLr: 0.1 });
    expect(lr(0)).toBe(0);
    expect(lr(5)).toBeCloseTo(0.5, 12);
    expect(lr(10)).toBeCloseTo(1, 12);
    expect(lr(60)).toBeCloseTo(0.1 + 0.9 * 0.5, 12); // halfway: cos(pi/2) = 0
    expect(lr(110)).toBeCloseTo(0.1, 12);
    expect(lr(500)).toBe(0.1);
    expect(() => cosineSchedule({ baseLr: 1, warmupSteps: 20, totalSteps: 10 })).toThrow(/warmupSteps/);
  });

  it('clips to a global norm (PyTorch clip_grad_norm_) and leaves small gradients alone', () => {
    const grads = new Map<string, tf.Tensor>([
      ['a', tf.tensor1d([3, 0])],
      ['b', tf.tensor2d([0, 4], [1, 2])],
    ]);
    expect(globalNorm(grads)).toBeCloseTo(5, 5);
    const { grads: c, norm } = clipGlobalNorm(grads, 1);
    expect(norm).toBeCloseTo(5, 5);
    expect(globalNorm(c)).toBeCloseTo(1, 5);
    expect(Array.from(c.get('a')?.dataSync() ?? [])[0]).toBeCloseTo(0.6, 5);
    const same = clipGlobalNorm(c, 10);
    expect(same.grads).toBe(c);
    for (const g of c.values()) g.dispose();
  });

  it('accumulates a weighted mean of micro-batch gradients', () => {
    const acc = new GradientAccumulator();
    acc.add(new Map([['w', tf.tensor1d([1, 2])]]), 1);
    acc.add(new Map([['w', tf.tensor1d([4, 8])]]), 3);
    const mean = acc.mean();
    expect(Array.from(mean.get('w')?.dataSync() ?? [])).toEqual([3.25, 6.5]);
    for (const g of mean.values()) g.dispose();
    expect(() => acc.mean()).toThrow(/nothing accumulated/);
  });

  it('EMA of weights', () => {
    const params = createParams();
    addParam(params, 'w', tf.tensor1d([0, 10]));
    const ema = new Ema(params, 0.9);
    params.get('w')?.assign(tf.tensor1d([1, 0]));
    ema.update(params);
    expect(Array.from(ema.shadow.get('w')?.dataSync() ?? []).map((v) => +v.toFixed(5))).toEqual([0.1, 9]);
    ema.copyTo(params);
    expect(Array.from(params.get('w')?.dataSync() ?? []).map((v) => +v.toFixed(5))).toEqual([0.1, 9]);
    ema.dispose();
    disposeParams(params);
  });

  it('loss scaler: unscales, detects overflow, backs off and grows', () => {
    const s = new LossScaler({ initScale: 8, growthInterval: 2 });
    const loss = s.scaleLoss(tf.scalar(2));
    expect(loss.dataSync()[0]).toBe(16);
    const ok = s.unscale(new Map([['w', tf.tensor1d([8, 16])]]));
    expect(ok.finite).toBe(true);
    expect(Array.from(ok.grads.get('w')?.dataSync() ?? [])).toEqual([1, 2]);
    s.update(true);
    s.update(true);
    expect(s.scale).toBe(16);
    const bad = s.unscale(new Map([['w', tf.tensor1d([Number.POSITIVE_INFINITY, 1])]]));
    expect(bad.finite).toBe(false);
    s.update(false);
    expect(s.scale).toBe(8);
    for (const g of [...ok.grads.values(), ...bad.grads.values()]) g.dispose();
  });
});
