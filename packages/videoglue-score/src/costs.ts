import { ConfigError, type VitShape, vitShapeForwardMacs, vitShapeParameterCount } from '@vfmkit/core';
import type { BuiltinMethodId } from './methods';

/**
 * VideoGLUE counts 2 FLOPs per multiply-accumulate (its "367 GFLOPs" for end-to-end ViT-B at
 * 8 x 14 x 14 tokens is ~180 GMACs forward plus the head).
 */
export const FLOPS_PER_MAC = 2;

/** Parameters and forward cost of a module, for one clip. */
export interface ModuleCost {
  readonly params: number;
  /** Multiply-accumulates of one forward pass (matrix products only). */
  readonly macs: number;
  /** `FLOPS_PER_MAC * macs / 1e9`. */
  readonly gflops: number;
}

/** Costs of one adaptation method, as VideoGLUE profiles them. */
export interface MethodCost {
  /** Parameters that training updates (raw count; the two-scenario training cost). */
  readonly trainableParams: number;
  /** Forward GFLOPs of the trained part (the single-cost form's cost, VideoPrism Tables 13-16). */
  readonly trainableGflops: number;
  /** Forward GFLOPs of the whole adapted model at inference (the two-scenario inference cost). */
  readonly inferenceGflops: number;
}

const cost = (params: number, macs: number): ModuleCost => ({
  params,
  macs,
  gflops: (FLOPS_PER_MAC * macs) / 1e9,
});

function positiveInt(key: string, value: number | undefined): number {
  if (value === undefined || !Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`${key} must be a positive integer, got ${String(value)}`, { key, value });
  }
  return value;
}

/** An attentive pooler (MAP) head. */
export interface PoolerCostOptions {
  /** Width of the features it reads (the encoder's D). */
  readonly inputWidth: number;
  /** Number of feature tokens N it attends over. */
  readonly tokens: number;
  /** Its own width (default `inputWidth`). */
  readonly width?: number;
  /** MLP hidden size (default 4 x width). */
  readonly mlpDim?: number;
  /** Learned query tokens (default 1). */
  readonly queries?: number;
  /** Classes of a linear classifier on top (default 0: no classifier). */
  readonly numClasses?: number;
}

/**
 * An attentive pooler head, `tau' = MLP(MHCA(tau, F))` (VideoGLUE Eq. 2; one layer = the frozen-backbone
 * head): layer norm on the features, learned queries, Q/K/V/O projections with biases, layer norm and a
 * 2-layer MLP on the queries, optional linear classifier. K and V are computed for all N tokens, so the
 * cost is dominated by `2 N D_in D` MACs: ~3.72 GFLOPs on ViT-B features of 8 x 14 x 14 tokens, as
 * VideoGLUE and VideoPrism (Table 13, "Trainable FLOPs 3.72") state.
 */
export function attentivePoolerCost(options: PoolerCostOptions): ModuleCost {
  const Din = positiveInt('inputWidth', options.inputWidth);
  const N = positiveInt('tokens', options.tokens);
  const D = positiveInt('width', options.width ?? Din);
  const M = positiveInt('mlpDim', options.mlpDim ?? 4 * D);
  const Q = positiveInt('queries', options.queries ?? 1);
  const C = options.numClasses ?? 0;
  if (!Number.isInteger(C) || C < 0) {
    throw new ConfigError(`numClasses must be a non-negative integer, got ${C}`, {
      key: 'numClasses',
      value: C,
    });
  }
  const params =
    2 * Din + // feature layer norm
    Q * D + // queries
    (D * D + D) * 2 + // Q, O
    (Din * D + D) * 2 + // K, V
    2 * D + // query layer norm
    (D * M + M + M * D + D) + // MLP
    (C > 0 ? D * C + C : 0);
  const macs = 2 * N * Din * D + 2 * Q * D * D + 2 * Q * N * D + 2 * Q * D * M + Q * D * C;
  return cost(params, macs);
}

/**
 * A multi-layer attention pooler (MLAP) over the last `layers` encoder layers (VideoGLUE Eq. 2,
 * k = 4): `layers` stacked poolers, each attending over one layer's N tokens with the previous
 * pooler's output as its query; the classifier sits on the last. ~14.9 GFLOPs for k = 4 on ViT-B
 * at 8 x 14 x 14 tokens (VideoPrism Table 14).
 */
export function multiLayerPoolerCost(options: PoolerCostOptions & { readonly layers: number }): ModuleCost {
  const k = positiveInt('layers', options.layers);
  const one = attentivePoolerCost({ ...options, numClasses: 0 });
  const head = attentivePoolerCost(options);
  return cost(one.params * (k - 1) + head.params, one.macs * (k - 1) + head.macs);
}

/** Bottleneck adapters: `perBlock` adapters (down D -> r, up r -> D, with biases) in every block. */
export interface AdapterOptions {
  readonly rank: number;
  readonly tokens: number;
  readonly perBlock?: number;
  readonly bias?: boolean;
}

/**
 * Low-rank bottleneck adapters of rank r in every block (VideoGLUE Sec. 3.2; r = 64 there): per
 * adapter `2 D r (+ r + D)` parameters and `2 N D r` MACs.
 */
export function bottleneckAdapterCost(shape: VitShape, options: AdapterOptions): ModuleCost {
  const r = positiveInt('rank', options.rank);
  const N = positiveInt('tokens', options.tokens) + (shape.clsToken ? 1 : 0);
  const per = positiveInt('perBlock', options.perBlock ?? 1);
  const D = shape.width;
  const n = shape.depth * per;
  return cost(n * (2 * D * r + (options.bias === false ? 0 : r + D)), n * 2 * N * D * r);
}

/** The weight matrices LoRA can adapt in a block, with their (in, out) sizes. */
export type LoraTarget = 'q' | 'k' | 'v' | 'qkv' | 'proj' | 'fc1' | 'fc2';

/**
 * LoRA (Hu et al.) of rank r on the chosen matrices of every block: a `W (in x out)` gains
 * `A (in x r) B (r x out)`, i.e. `r (in + out)` parameters and `N r (in + out)` MACs.
 */
export function loraCost(
  shape: VitShape,
  options: { readonly rank: number; readonly tokens: number; readonly targets?: readonly LoraTarget[] },
): ModuleCost {
  const r = positiveInt('rank', options.rank);
  const N = positiveInt('tokens', options.tokens) + (shape.clsToken ? 1 : 0);
  const D = shape.width;
  const inner = shape.heads * (shape.headDim ?? D / shape.heads);
  const sizes: Record<LoraTarget, number> = {
    q: D + inner,
    k: D + inner,
    v: D + inner,
    qkv: D + 3 * inner,
    proj: inner + D,
    fc1: D + shape.mlpDim,
    fc2: shape.mlpDim + D,
  };
  const perBlock = (options.targets ?? ['q', 'v']).reduce((sum, t) => sum + r * sizes[t], 0);
  return cost(shape.depth * perBlock, shape.depth * perBlock * N);
}

/** The encoder itself: its parameters and one forward pass over `tokens` patch tokens. */
export function encoderCost(
  shape: VitShape,
  tokens: number,
  options: { posEmbedTokens?: number } = {},
): ModuleCost {
  return cost(vitShapeParameterCount(shape, options), vitShapeForwardMacs(shape, tokens));
}

/** How VideoGLUE adapts an encoder; defaults follow the paper. */
export interface AdaptationSetup {
  /** Patch tokens per clip (8 x 14 x 14 = 1568 in VideoGLUE's classification setup). */
  readonly tokens: number;
  /** Layers of the multi-layer attention pooler (default 4). */
  readonly mlapLayers?: number;
  /** Adapter rank (default 64). */
  readonly adapterRank?: number;
  /** Adapter kind (default `bottleneck`; `lora` adapts q and v). */
  readonly adapter?: 'bottleneck' | 'lora';
  /** Classes of the task head's classifier (default 0: not counted). */
  readonly numClasses?: number;
  /** Learned positional embedding rows of the encoder (default 0). */
  readonly posEmbedTokens?: number;
}

/**
 * Costs of the four VideoGLUE methods for an encoder, computed instead of typed in:
 * - frozen: trains a one-layer pooler head; inference = encoder + head;
 * - mlap: trains a k-layer pooler; inference = encoder + pooler;
 * - adapter: trains adapters + head; inference = encoder + adapters + head;
 * - e2e: trains encoder + head; inference = encoder + head.
 * "Trainable FLOPs" are forward FLOPs of the trained part (2 per MAC), as in VideoPrism Tables 13-16.
 */
export function adaptationCosts(
  shape: VitShape,
  setup: AdaptationSetup,
): Record<BuiltinMethodId, MethodCost> {
  const { tokens } = setup;
  const pool = {
    inputWidth: shape.width,
    tokens: tokens + (shape.clsToken ? 1 : 0),
    numClasses: setup.numClasses,
  };
  const head = attentivePoolerCost(pool);
  const mlap = multiLayerPoolerCost({ ...pool, layers: setup.mlapLayers ?? 4 });
  const rank = setup.adapterRank ?? 64;
  const adapters =
    setup.adapter === 'lora'
      ? loraCost(shape, { rank, tokens })
      : bottleneckAdapterCost(shape, { rank, tokens });
  const encoder = encoderCost(shape, tokens, { posEmbedTokens: setup.posEmbedTokens });
  const m = (params: number, trainGflops: number, inferGflops: number): MethodCost => ({
    trainableParams: params,
    trainableGflops: trainGflops,
    inferenceGflops: inferGflops,
  });
  return {
    frozen: m(head.params, head.gflops, encoder.gflops + head.gflops),
    mlap: m(mlap.params, mlap.gflops, encoder.gflops + mlap.gflops),
    adapter: m(
      adapters.params + head.params,
      adapters.gflops + head.gflops,
      encoder.gflops + adapters.gflops + head.gflops,
    ),
    e2e: m(encoder.params + head.params, encoder.gflops + head.gflops, encoder.gflops + head.gflops),
  };
}

/** Picks one cost per method, e.g. `costsOf(adaptationCosts(...), 'trainableGflops')` for the single-cost form. */
export function costsOf(
  costs: Readonly<Record<string, MethodCost>>,
  key: keyof MethodCost,
): Record<string, number> {
  return Object.fromEntries(Object.entries(costs).map(([m, c]) => [m, c[key]]));
}

/** The ViT-B/16 video encoder VideoGLUE profiles: width 768, 12 blocks, 12 heads, MLP 3072, 2 x 16 x 16 tubelets. */
export const VIDEOGLUE_VIT_B: VitShape = Object.freeze({
  width: 768,
  depth: 12,
  heads: 12,
  mlpDim: 3072,
  tubelet: [2, 16, 16] as const,
  channels: 3,
  qkvBias: true,
  clsToken: false,
});
