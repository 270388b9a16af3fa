import { ConfigError } from '@vfmkit/core';
import { initBackend, paramCount, tf } from '@vfmkit/nn';
import { bottleneckAdapterCost, encoderCost, loraCost } from '@vfmkit/videoglue-score';
import { decodeVariant, vitForwardFlops, vitParameterCount, vitShapeOf } from '@vfmkit/vit-encoder';
import { VitModel } from '@vfmkit/vit-encoder/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { motionClips } from '../../test/motion-clips';
import { ProbeError } from '../errors';
import { ProbeHead } from '../heads/probe-head';
import { topKAccuracy } from '@vfmkit/metrics';
import { adaptBackbone, isAdapterParam } from './adapt-backbone';
import { adaptedCost } from './adapted-cost';
import { parseAdaptationConfig } from './config';
import { predictAdapted, trainAdapted } from './train-adapted';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: null });
});

/** nano ViT (width 64, 2 blocks) on 4 frames of 32 x 32 with 2 x 8 x 8 tubelets: 2 x 4 x 4 = 32 tokens. */
const config = decodeVariant('nano/8', { frames: 4, imageSize: [32, 32] });
const N = 32;
const D = 64;

function snapshot(model: VitModel, filter: (name: string) => boolean = () => true) {
  return new Map([...model.params].filter(([n]) => filter(n)).map(([n, v]) => [n, v.dataSync().slice()]));
}

/** Entries where two float32 arrays differ bit for bit (`!==`, so -0 === +0 counts as equal). */
function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

const attentiveHead = (seed: number) =>
  ProbeHead.create({ kind: 'attentive', inputWidth: D, tokens: N, outputs: 4, heads: 4, mlpRatio: 2 }, seed);

describe('parseAdaptationConfig', () => {
  it('fills method defaults and rejects options a method does not use', () => {
    expect(parseAdaptationConfig({ method: 'lora' })).toEqual({
      method: 'lora',
      rank: 8,
      alpha: 8,
      targets: ['qkv'],
    });
    expect(parseAdaptationConfig({ method: 'lora', rank: 4, targets: ['fc2', 'qkv'] }).targets).toEqual([
      'qkv',
      'fc2',
    ]);
    expect(parseAdaptationConfig({ method: 'bottleneck' }).rank).toBe(64);
    expect(parseAdaptationConfig({ method: 'finetune' }).rank).toBe(0);
    const bad = [
      { method: 'finetune', rank: 4 },
      { method: 'bottleneck', targets: ['qkv'] },
      { method: 'lora', targets: ['qkv', 'qkv'] },
      { method: 'lora', targets: ['q'] },
      { method: 'lora', rank: 0 },
      { method: 'prefix' },
    ];
    for (const b of bad) expect(() => parseAdaptationConfig(b as never)).toThrow(ConfigError);
  });
});

describe('adaptBackbone', () => {
  it('LoRA with B = 0 and a bottleneck with up = 0 leave the forward output exactly unchanged', () => {
    for (const adaptation of [
      { method: 'lora', rank: 4, alpha: 8, targets: ['qkv', 'proj', 'fc1', 'fc2'] },
      { method: 'bottleneck', rank: 16 },
    ] as const) {
      const model = VitModel.create(config, 3);
      const clips = motionClips(2, 9).clips;
      const before = model.forwardFeatures(clips);
      const a = adaptBackbone(model, adaptation, 5);
      expect(a.adapterNames.length).toBeGreaterThan(0);
      // the adapters are really in the graph: A (or down) is non-zero, B (or up) is exactly zero
      for (const n of a.adapterNames.filter((x) => x.endsWith('.weight'))) {
        const v = model.params.get(n) as tf.Variable;
        const zero = /lora_B|adapter\.up/.test(n);
        expect(tf.tidy(() => tf.max(tf.abs(v)).dataSync()[0]) === 0, n).toBe(zero);
      }
      const after = model.forwardFeatures(clips);
      expect(differing(before.dataSync(), after.dataSync())).toBe(0);
      // and they are in the graph: a non-zero B (or up) moves the output
      const b = model.params.get(a.adapterNames.find((n) => /lora_B|adapter\.up\.weight/.test(n)) ?? '');
      b?.assign(tf.fill(b.shape, 0.05));
      const moved = model.forwardFeatures(clips);
      expect(differing(before.dataSync(), moved.dataSync())).toBeGreaterThan(0);
      tf.dispose([before, after, moved]);
      model.dispose();
    }
  });

  it('sets trainability: adapters only for lora/bottleneck, everything for finetune', () => {
    const lora = VitModel.create(config, 1);
    const a = adaptBackbone(lora, { method: 'lora', rank: 2, targets: ['qkv', 'fc1'] }, 1);
    for (const [n, v] of lora.params) expect(v.trainable, n).toBe(isAdapterParam(n));
    // rank 2 on qkv [3D, D] and fc1 [M, D] in each of 2 blocks
    expect(a.trainableParams).toBe(2 * (2 * (D + 3 * D) + 2 * (D + 256)));
    expect(a.adapterNames).toContain('blocks.1.mlp.fc1.lora_B.weight');
    expect(() => adaptBackbone(lora, { method: 'finetune' }, 1)).toThrow(ProbeError);
    lora.dispose();

    const ft = VitModel.create(config, 1);
    const f = adaptBackbone(ft, { method: 'finetune' }, 1);
    expect(f.adapterNames).toEqual([]);
    expect(f.trainableParams).toBe(vitParameterCount(config));
    expect([...ft.params.values()].every((v) => v.trainable)).toBe(true);
    expect(() => adaptBackbone(ft, { method: 'bottleneck', rank: 65 }, 1)).toThrow(ProbeError);
    ft.dispose();
  });

  it('is deterministic in its seed', () => {
    const a = VitModel.create(config, 1);
    const b = VitModel.create(config, 1);
    adaptBackbone(a, { method: 'lora', rank: 2 }, 7);
    adaptBackbone(b, { method: 'lora', rank: 2 }, 7);
    const name = 'blocks.0.attn.qkv.lora_A.weight';
    expect(differing(a.params.get(name)?.dataSync() ?? [], b.params.get(name)?.dataSync() ?? [1])).toBe(0);
    a.dispose();
    b.dispose();
  });
});

describe('adaptedCost', () => {
  it("matches the actual trainable parameter counts and videoglue-score's FLOPs", () => {
    const shape = vitShapeOf(config);
    for (const adaptation of [
      { method: 'lora', rank: 4, targets: ['qkv', 'proj', 'fc1', 'fc2'] },
      { method: 'lora', rank: 8, alpha: 16 },
      { method: 'bottleneck', rank: 16 },
      { method: 'finetune' },
    ] as const) {
      const model = VitModel.create(config, 2);
      const head = attentiveHead(3);
      const a = adaptBackbone(model, adaptation, 4);
      const cost = adaptedCost(config, adaptation, head);
      const actual = paramCount(model.params, (n) => (model.params.get(n) as tf.Variable).trainable);
      expect(cost.trainableParams, adaptation.method).toBe(actual + paramCount(head.params));
      expect(adaptedCost(config, a, head)).toEqual(cost);
      const encoderGflops = vitForwardFlops(config) / 1e9;
      const headGflops = head.cost().trainableGflops;
      if (adaptation.method === 'finetune') {
        expect(cost.trainableGflops).toBeCloseTo(encoderGflops + headGflops, 12);
        expect(cost.inferenceGflops).toBeCloseTo(encoderGflops + headGflops, 12);
      } else {
        const extra =
          adaptation.method === 'lora'
            ? loraCost(shape, { rank: a.config.rank, tokens: N, targets: a.config.targets }).gflops
            : bottleneckAdapterCost(shape, { rank: 16, tokens: N }).gflops;
        expect(cost.trainableGflops).toBeCloseTo(extra + headGflops, 12);
        expect(cost.inferenceGflops).toBeCloseTo(encoderGflops + extra + headGflops, 12);
      }
      head.dispose();
      model.dispose();
    }
    // hand-worked LoRA MACs: rank 4 on qkv of 2 blocks, 32 tokens: 2 * 32 * 4 * (64 + 192) = 65,536
    expect(loraCost(shape, { rank: 4, tokens: N, targets: ['qkv'] }).macs).toBe(65_536);
    expect(encoderCost(shape, N).gflops).toBeCloseTo(vitForwardFlops(config) / 1e9, 12);
  });
});

describe('trainAdapted', () => {
  const train = motionClips(48, 1);
  const targets = { data: train.labels, shape: [48, 1] };

  it('LoRA training changes only adapters and head; every base weight stays bit-identical', () => {
    const model = VitModel.create(config, 11);
    const head = attentiveHead(12);
    adaptBackbone(model, { method: 'lora', rank: 4, targets: ['qkv', 'proj', 'fc1', 'fc2'] }, 13);
    const base = snapshot(model, (n) => !isAdapterParam(n));
    const adapters = snapshot(model, isAdapterParam);
    const headBefore = new Map([...head.params].map(([n, v]) => [n, v.dataSync().slice()]));
    const tensors = tf.memory().numTensors;
    const r = trainAdapted(
      model,
      head,
      train.clips,
      targets,
      { loss: 'softmax-cross-entropy', steps: 6, batchSize: 8, lr: 3e-3 },
      14,
    );
    expect(tf.memory().numTensors).toBe(tensors);
    expect(r.losses).toHaveLength(6);
    expect(r.trainableParams).toBe(
      adaptedCost(config, { method: 'lora', rank: 4, targets: ['qkv', 'proj', 'fc1', 'fc2'] }, head)
        .trainableParams,
    );
    for (const [n, before] of base)
      expect(differing(before, (model.params.get(n) as tf.Variable).dataSync()), n).toBe(0);
    for (const [n, before] of adapters)
      expect(differing(before, (model.params.get(n) as tf.Variable).dataSync()), n).toBeGreaterThan(0);
    for (const [n, before] of headBefore)
      expect(differing(before, (head.params.get(n) as tf.Variable).dataSync()), n).toBeGreaterThan(0);
    head.dispose();
    model.dispose();
  });

  it('finetuning changes the backbone weights', () => {
    const model = VitModel.create(config, 11);
    const head = attentiveHead(12);
    adaptBackbone(model, { method: 'finetune' }, 0);
    const before = snapshot(model);
    trainAdapted(model, head, train.clips, targets, { loss: 'softmax-cross-entropy', steps: 3 }, 1);
    for (const [n, b] of before) {
      // the final norm's weights and the unused pos rows all receive gradient; every weight moves
      expect(differing(b, (model.params.get(n) as tf.Variable).dataSync()), n).toBeGreaterThan(0);
    }
    head.dispose();
    model.dispose();
  });

  it('a LoRA-adapted nano ViT learns the 4-way motion task: test accuracy >= 0.6 (chance 0.25) in 30 steps', () => {
    // Measured: 0.80 test accuracy (64 held-out clips) after 30 steps of batch 8 at lr 1e-2.
    const model = VitModel.create(config, 7);
    const head = ProbeHead.create(
      { kind: 'attentive', inputWidth: D, tokens: N, outputs: 4, heads: 4, mlpRatio: 2 },
      3,
    );
    adaptBackbone(model, { method: 'lora', rank: 4, targets: ['qkv', 'proj', 'fc1', 'fc2'] }, 1);
    const big = motionClips(128, 1);
    const test = motionClips(64, 2);
    const r = trainAdapted(
      model,
      head,
      big.clips,
      { data: big.labels, shape: [128, 1] },
      { loss: 'softmax-cross-entropy', steps: 30, batchSize: 8, lr: 1e-2 },
      5,
    );
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(r.losses.slice(-10))).toBeLessThan(mean(r.losses.slice(0, 5)));
    const logits = predictAdapted(model, head, test.clips, { batchSize: 32 });
    expect(logits.shape).toEqual([64, 1, 4]);
    const acc = topKAccuracy(logits.data, [64, 4], test.labels, 1);
    expect(acc).toBeGreaterThanOrEqual(0.6);
    head.dispose();
    model.dispose();
  });

  it('trains an mlap head over the last blocks through bottleneck adapters, base weights frozen', () => {
    const model = VitModel.create(config, 21);
    const head = ProbeHead.create(
      { kind: 'mlap', inputWidth: D, tokens: N, outputs: 4, layers: 2, heads: 4 },
      22,
    );
    const a = adaptBackbone(model, { method: 'bottleneck', rank: 8 }, 23);
    const base = snapshot(model, (n) => !isAdapterParam(n));
    const up = snapshot(model, (n) => n.endsWith('adapter.up.weight'));
    const r = trainAdapted(
      model,
      head,
      train.clips,
      targets,
      { loss: 'softmax-cross-entropy', steps: 2 },
      24,
    );
    expect(r.trainableParams).toBe(a.trainableParams + paramCount(head.params));
    for (const [n, before] of base)
      expect(differing(before, (model.params.get(n) as tf.Variable).dataSync()), n).toBe(0);
    for (const [n, before] of up)
      expect(differing(before, (model.params.get(n) as tf.Variable).dataSync()), n).toBeGreaterThan(0);
    expect(predictAdapted(model, head, motionClips(3, 5).clips).shape).toEqual([3, 1, 4]);
    head.dispose();
    model.dispose();
  });

  it('rejects mismatched targets and bad options', () => {
    const model = VitModel.create(config, 1);
    const head = attentiveHead(1);
    adaptBackbone(model, { method: 'bottleneck', rank: 8 }, 0);
    const opts = { loss: 'softmax-cross-entropy' } as const;
    expect(() =>
      trainAdapted(model, head, train.clips, { data: train.labels, shape: [47, 1] }, opts, 0),
    ).toThrow();
    expect(() =>
      trainAdapted(model, head, train.clips, { data: new Int32Array(47), shape: [47, 1] }, opts, 0),
    ).toThrow(ProbeError);
    expect(() => trainAdapted(model, head, train.clips, targets, { ...opts, steps: 0 }, 0)).toThrow(
      ConfigError,
    );
    const mlap = ProbeHead.create({ kind: 'mlap', inputWidth: D, tokens: N, outputs: 4, layers: 3 }, 0);
    expect(() => trainAdapted(model, mlap, train.clips, targets, opts, 0)).toThrow(ProbeError);
    mlap.dispose();
    head.dispose();
    model.dispose();
  });
});
