import { ConfigError, vitShapeParameterCount } from '@vfmkit/core';
import { describe, expect, it } from 'vitest';
import {
  adaptationCosts,
  attentivePoolerCost,
  bottleneckAdapterCost,
  costsOf,
  encoderCost,
  loraCost,
  multiLayerPoolerCost,
  VIDEOGLUE_VIT_B,
} from './costs';
import { computeVgs } from './score';

const N = 8 * 14 * 14; // VideoGLUE's classification token grid
const D = 768;

describe('cost accounting against the published figures', () => {
  const costs = adaptationCosts(VIDEOGLUE_VIT_B, { tokens: N });

  it('attentive pooler head on ViT-B features of 8 x 14 x 14 tokens: 3.72 GFLOPs (VideoPrism Table 13)', () => {
    // hand count: K,V over N tokens 2 N D^2; Q,O 2 D^2; scores + AV 2 N D; MLP 2 D (4D)
    const macs = 2 * N * D * D + 2 * D * D + 2 * N * D + 2 * D * 4 * D;
    expect(attentivePoolerCost({ inputWidth: D, tokens: N }).macs).toBe(macs);
    expect(costs.frozen.trainableGflops).toBeCloseTo(3.72, 2);
  });

  it('multi-layer attention pooler over 4 layers: 14.9 GFLOPs (VideoPrism Table 14)', () => {
    expect(costs.mlap.trainableGflops).toBeCloseTo(14.86, 2);
    expect(Number(costs.mlap.trainableGflops.toFixed(1))).toBe(14.9);
  });

  it('end-to-end ViT-B: ~367 GFLOPs (Table 16) within 1% (we count matrix products only)', () => {
    expect(Math.abs(costs.e2e.trainableGflops - 367) / 367).toBeLessThan(0.01);
    const backbone = N * 1536 * D + 12 * (12 * N * D * D + 2 * N * N * D); // ~180.35 GMACs
    const head = attentivePoolerCost({ inputWidth: D, tokens: N }).macs;
    expect(costs.e2e.trainableGflops).toBeCloseTo((2 * (backbone + head)) / 1e9, 9);
    expect(costs.e2e.trainableGflops).toBeCloseTo(364.4, 1);
  });

  it('ViT-B/16 parameters by hand: ~86-87M', () => {
    const hand = 2 * 16 * 16 * 3 * D + D + 12 * (12 * D * D + 13 * D) + 2 * D;
    expect(encoderCost(VIDEOGLUE_VIT_B, N).params).toBe(hand);
    expect(hand).toBe(86_236_416);
    expect(costs.e2e.trainableParams).toBe(hand + attentivePoolerCost({ inputWidth: D, tokens: N }).params);
  });

  it('bottleneck adapters of rank 64 in 12 blocks, by hand', () => {
    const a = bottleneckAdapterCost(VIDEOGLUE_VIT_B, { rank: 64, tokens: N });
    expect(a.params).toBe(12 * (2 * D * 64 + 64 + D));
    expect(a.macs).toBe(12 * 2 * N * D * 64);
    // 3.70 GFLOPs of adapters + 3.72 of head = 7.42; VideoPrism Table 15 prints 6.44 for the adapter
    // setting without saying how it is counted, so only our own count is asserted.
    expect(costs.adapter.trainableGflops).toBeCloseTo(7.42, 2);
    expect(
      bottleneckAdapterCost(VIDEOGLUE_VIT_B, { rank: 8, tokens: N, bias: false, perBlock: 2 }).params,
    ).toBe(24 * 2 * D * 8);
  });

  it('LoRA of rank r on q and v: r (D + D) per matrix', () => {
    const l = loraCost(VIDEOGLUE_VIT_B, { rank: 4, tokens: N });
    expect(l.params).toBe(12 * 2 * 4 * (D + D));
    expect(l.macs).toBe(l.params * N);
    expect(loraCost(VIDEOGLUE_VIT_B, { rank: 4, tokens: N, targets: ['fc1'] }).params).toBe(
      12 * 4 * (D + 4 * D),
    );
    expect(
      adaptationCosts(VIDEOGLUE_VIT_B, { tokens: N, adapter: 'lora', adapterRank: 4 }).adapter
        .trainableParams,
    ).toBe(l.params + attentivePoolerCost({ inputWidth: D, tokens: N }).params);
  });

  it('MLAP params: k poolers, the classifier once', () => {
    const one = attentivePoolerCost({ inputWidth: D, tokens: N });
    const cls = attentivePoolerCost({ inputWidth: D, tokens: N, numClasses: 400 });
    expect(cls.params - one.params).toBe(D * 400 + 400);
    expect(multiLayerPoolerCost({ inputWidth: D, tokens: N, layers: 4, numClasses: 400 }).params).toBe(
      3 * one.params + cls.params,
    );
  });

  it('inference costs include the encoder; training costs are what trains', () => {
    const enc = encoderCost(VIDEOGLUE_VIT_B, N).gflops;
    expect(costs.frozen.inferenceGflops).toBeCloseTo(enc + costs.frozen.trainableGflops, 9);
    expect(costs.adapter.inferenceGflops).toBeGreaterThan(costs.e2e.inferenceGflops);
    expect(costs.e2e.trainableParams).toBeGreaterThan(vitShapeParameterCount(VIDEOGLUE_VIT_B));
    // computed costs feed the score directly
    const single = computeVgs(
      { frozen: 40, mlap: 45, adapter: 50, e2e: 55 },
      costsOf(costs, 'trainableGflops'),
    );
    expect(single.methods.frozen.weight).toBeGreaterThan(single.methods.e2e.weight);
  });

  it('rejects bad sizes with ConfigError', () => {
    expect(() => attentivePoolerCost({ inputWidth: D, tokens: 0 })).toThrow(ConfigError);
    expect(() => multiLayerPoolerCost({ inputWidth: D, tokens: N, layers: 0 })).toThrow(/layers/);
    expect(() => bottleneckAdapterCost(VIDEOGLUE_VIT_B, { rank: 1.5, tokens: N })).toThrow(/rank/);
    expect(() => attentivePoolerCost({ inputWidth: D, tokens: N, numClasses: -1 })).toThrow(/numClasses/);
  });
});
