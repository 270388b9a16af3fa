import { ConfigError, type TokenGrid, tokenCount, tokenGridOf } from '@vfmkit/core';
import { attr, cpuHasVnni, GraphBuilder, type WeightStorage } from '@vfmkit/onnx';
import { patchDim, type VitConfig, vitTokenGrid } from '../config';
import { checkWeights, type NamedWeights } from '../named-weights';
import { interpolatePositions, sincosTable } from '../pos-embed';
import { columnBlock, foldPixelNorm, weightData as get, transposed } from '../weight-layout';
import { vitWeightSpecs } from '../weights';
import { dynamicPositions, dynamicTubelets, maxGridOf } from './dynamic-clip';

/** Options of {@link exportVitOnnx}. */
export interface VitOnnxExportOptions {
  /** Clip size `[T, H, W]` the graph accepts (default: the training size); positions are resampled to it. */
  readonly clip?: readonly [number, number, number];
  /**
   * One graph for every clip size: the input takes `[B, T, H, W, C]` for any T, H, W that are multiples of
   * the tubelet up to this maximum `[T, H, W]`, and the positional table is resampled inside the graph
   * (as `positionTable` does). `VideoEncoder` rejects larger or misaligned clips with a ShapeError.
   */
  readonly maxClip?: readonly [number, number, number];
  /** Add an int64 input `visible` `[B, K]` (visible-token index): only those tokens enter the blocks. */
  readonly visibleInput?: boolean;
  /** Blocks whose outputs become outputs `layer_<i>` (default: the config's `exposeLayers`). */
  readonly layers?: readonly number[];
  /** Weight storage of the linear layers: fp32 (default), fp16 or int8 (dynamic int8 MatMuls on CPU). */
  readonly weights?: WeightStorage;
  /**
   * int8 details (with `weights: 'int8'`): `reduceRange` keeps weights to 7 bits, needed to run on x86
   * CPUs without VNNI (their int8 kernel saturates otherwise); `false` uses the full int8 range (half the
   * rounding error: pooled cosine to fp32 0.9985 -> 0.9997 on a random tiny model). Default: full range when
   * the exporting machine has AVX512-VNNI / AVX-VNNI (`cpuHasVnni`), 7 bits otherwise; pass `true` for a
   * file that must also run on older CPUs.
   */
  readonly int8?: {
    readonly reduceRange?: boolean;
    /**
     * Also run Q·K^T in int8 (per-tensor dynamic u8 quantisation of Q and K, MatMulInteger; softmax and
     * the product with V stay fp32). Only with `attention: 'matmul'`. Measured not to pay (0.97x of the
     * fp32 Q·K^T next to int8 linear layers, BENCHMARKS.md), so off by default; kept for measurement.
     */
    readonly attentionQK?: boolean;
  };
  /** ONNX opset (17 by default). */
  readonly opset?: number;
  /**
   * Attention as standard ops (`matmul`: MatMul, Softmax, MatMul; runs anywhere) or ONNX Runtime's
   * fused `com.microsoft.MultiHeadAttention` kernel (`fused`, the default: faster on ORT's CPU and CUDA providers).
   */
  readonly attention?: 'matmul' | 'fused';
  /**
   * How biases and GELUs are written. `contrib` (the default with fused attention): ONNX Runtime's
   * `com.microsoft.BiasGelu` (bias add + exact GELU in one kernel) and the qkv bias inside
   * `MultiHeadAttention`; residual adds stay `Add` + `LayerNormalization` (ORT fuses what it can; its
   * explicit SkipLayerNormalization with the residual-sum output was slower here). `standard` (the
   * default with `matmul` attention): standard ops only, GELU as `Div(x, sqrt 2)`, the form ORT's
   * optimizer fuses into Gelu/BiasGelu.
   */
  readonly fusions?: 'contrib' | 'standard';
  /**
   * With `contrib` fusions, the MLP is computed in this many column blocks, each block's fc1 slice,
   * BiasGelu and fc2 slice in turn, and the blocks' products summed (see BENCHMARKS.md: each block's
   * hidden slice is still in cache when it is read). Must divide the MLP width. 1 writes one fc1 and
   * one fc2 product. Default: blocks of the model's width D (4 for an MLP ratio of 4) when the exported
   * clip has at least 1024 tokens, else 1. The blocks pay when a run has about a thousand or more rows
   * (ViT-S: 4-8% faster at 1568) and cost when it has few (64-196 rows: 7-20% slower, the extra kernels'
   * overhead); set it for batches of small clips run together.
   */
  readonly mlpBlocks?: number;
}

/** Default `mlpBlocks` is D-wide blocks from this many tokens per exported clip (see the option). */
const MLP_BLOCKS_MIN_TOKENS = 1024;

/** What an exported encoder says about itself (stored as the model's `config` metadata). */
export interface VitOnnxMeta {
  readonly kind: 'vfmkit.vit-encoder';
  readonly vit: VitConfig;
  /** `[T, H, W]` of the graph's input. */
  readonly clip: readonly [number, number, number];
  readonly grid: TokenGrid;
  readonly layers: readonly number[];
  readonly visibleInput: boolean;
  readonly weights: WeightStorage;
  readonly attention: 'matmul' | 'fused';
  /** Largest `[T, H, W]` of a graph exported with `maxClip` (any multiple of the tubelet up to it). */
  readonly maxClip?: readonly [number, number, number];
  /** Absent in models exported before the option existed (they use `standard`). */
  readonly fusions?: 'contrib' | 'standard';
}

/** The positional table `[N, D]` of `grid` from stored weights (resampled when `grid` differs from training). */
export function positionTable(config: VitConfig, weights: NamedWeights, grid: TokenGrid): Float32Array {
  const train = vitTokenGrid(config);
  const d = config.width;
  if (config.posEmbed === 'sincos')
    return interpolatePositions(sincosTable(tokenCount(train), d), d, train, grid);
  if (config.posEmbed === 'learned') return interpolatePositions(get(weights, 'pos_embed'), d, train, grid);
  const time = interpolatePositions(
    get(weights, 'pos_embed_time'),
    d,
    { t: train.t, h: 1, w: 1 },
    { t: grid.t, h: 1, w: 1 },
  );
  const space = interpolatePositions(
    get(weights, 'pos_embed_space'),
    d,
    { t: 1, h: train.h, w: train.w },
    { t: 1, h: grid.h, w: grid.w },
  );
  const s = grid.h * grid.w;
  const out = new Float32Array(grid.t * s * d);
  for (let t = 0; t < grid.t; t++)
    for (let j = 0; j < s; j++)
      for (let k = 0; k < d; k++) out[(t * s + j) * d + k] = time[t * d + k] + space[j * d + k];
  return out;
}

/**
 * Builds the ONNX graph of an encoder with its preprocessing built in.
 *
 * Inputs: `clips` float32 `[B, T, H, W, C]` in [0, 1] (B dynamic), and with `visibleInput` `visible`
 * int64 `[B, K]`. Outputs: `tokens` `[B, N, D]` (N = K with `visible`; after the final norm when
 * `finalNorm` is `tokens`), `layer_<i>` `[B, N, D]` for each exposed block, `pooled` `[B, D]`, and
 * `logits` `[B, numClasses]` with a head. The graph normalises pixels with the config's mean/std, cuts
 * tubelets, and adds the positional table of the export grid as a constant.
 * @throws CheckpointError for weights that do not match the config; ConfigError for a bad clip size or layer.
 */
export function buildVitGraph(
  config: VitConfig,
  weights: NamedWeights,
  options: VitOnnxExportOptions = {},
): GraphBuilder {
  checkWeights(weights, vitWeightSpecs(config));
  const clip = options.clip ?? [config.frames, config.imageSize[0], config.imageSize[1]];
  const grid = tokenGridOf([clip[0], clip[1], clip[2]], config.tubelet);
  const layers = options.layers ?? config.exposeLayers;
  for (const l of layers) {
    if (!Number.isInteger(l) || l < 0 || l >= config.depth) {
      throw new ConfigError(`exported layer ${l} is outside [0, ${config.depth})`, {
        key: 'layers',
        value: l,
      });
    }
  }
  const storage = options.weights ?? 'float32';
  const int8QK = options.int8?.attentionQK ?? false;
  if (int8QK && (options.attention ?? 'fused') !== 'matmul') {
    throw new ConfigError("int8.attentionQK needs attention: 'matmul' (the fused kernel runs in fp32)", {
      key: 'int8.attentionQK',
      value: true,
    });
  }
  const mlpBlocks =
    options.mlpBlocks ??
    (tokenCount(grid) >= MLP_BLOCKS_MIN_TOKENS && config.mlpDim % config.width === 0
      ? config.mlpDim / config.width
      : 1);
  if (!Number.isInteger(mlpBlocks) || mlpBlocks < 1 || config.mlpDim % mlpBlocks !== 0) {
    throw new ConfigError(`mlpBlocks ${mlpBlocks} does not divide the MLP width ${config.mlpDim}`, {
      key: 'mlpBlocks',
      value: mlpBlocks,
    });
  }
  const meta: VitOnnxMeta = {
    kind: 'vfmkit.vit-encoder',
    vit: config,
    clip: [clip[0], clip[1], clip[2]],
    grid,
    layers: [...layers],
    visibleInput: options.visibleInput ?? false,
    weights: storage,
    attention: options.attention ?? 'fused',
    ...(options.maxClip ? { maxClip: [...options.maxClip] as [number, number, number] } : {}),
    fusions: options.fusions ?? ((options.attention ?? 'fused') === 'fused' ? 'contrib' : 'standard'),
  };
  const g = new GraphBuilder({
    name: 'vit_encoder',
    opset: options.opset ?? 17,
    config: meta,
    weights: storage,
    int8ReduceRange: options.int8?.reduceRange ?? !cpuHasVnni(),
  });
  const d = config.width;
  const c = config.channels;
  const [t, p, q] = config.tubelet;
  const n = tokenCount(grid);
  const k = patchDim(config);
  const eps = config.layerNormEps;
  const dh = d / config.heads;

  const maxGrid = options.maxClip && maxGridOf(config, options.maxClip);
  const clips = g.input(
    'clips',
    'float32',
    maxGrid ? ['batch', 'frames', 'height', 'width', c] : ['batch', clip[0], clip[1], clip[2], c],
  );
  let tubes: string;
  let positions: string;
  if (maxGrid) {
    const cut = dynamicTubelets(g, clips, config);
    tubes = cut.tubes;
    positions = dynamicPositions(g, config, weights, maxGrid, cut);
  } else {
    const split = g.reshape(clips, [0, grid.t, t, grid.h, p, grid.w, q, c]);
    tubes = g.reshape(g.transpose(split, [0, 1, 3, 5, 2, 4, 6, 7]), [0, n, k]);
    positions = g.f32(positionTable(config, weights, grid), [n, d], 'pos_embed');
  }
  const linear = (x: string, name: string, out: number, inp: number, bias = true) =>
    g.linear(
      x,
      transposed(get(weights, `${name}.weight`), out, inp),
      [inp, out],
      bias && weights.has(`${name}.bias`) ? get(weights, `${name}.bias`) : undefined,
      name,
    );
  // Pixel normalisation folded into the patch embedding (exact algebra, one pass less over the clip):
  // ((x - mean) / std) W^T + b = x (W / std)^T + (b - W (mean / std)).
  const folded = foldPixelNorm(config, weights);
  let x = g.add(
    g.linear(tubes, transposed(folded.weight, d, k), [k, d], folded.bias, 'patch_embed'),
    positions,
  );
  if (meta.visibleInput) {
    const visible = g.input('visible', 'int64', ['batch', 'visible']);
    const shape = g.concat([g.shape(visible), g.i64([d])], 0);
    const index = g.node('Expand', [g.unsqueeze(visible, [2]), shape])[0];
    x = g.node('GatherElements', [x, index], { axis: attr.int(1) })[0];
  }
  const ln = (v: string, name: string, epsilon = eps) =>
    g.layerNorm(v, g.f32(get(weights, `${name}.weight`), [d]), g.f32(get(weights, `${name}.bias`), [d]), {
      epsilon,
    });
  const heads = (v: string, perm: readonly number[]) =>
    g.transpose(g.reshape(v, [0, 0, config.heads, dh]), perm);
  const tokensDim = meta.visibleInput ? 'visible' : maxGrid ? 'tokens' : n;
  const contrib = meta.fusions === 'contrib';
  const bias = (name: string) => (weights.has(`${name}.bias`) ? get(weights, `${name}.bias`) : undefined);
  /**
   * `[LayerNorm(v + skip + bias), v + skip + bias]`. Written as Add + LayerNorm, not as an explicit
   * `com.microsoft.SkipLayerNormalization`: its CPU kernel with the residual-sum output measured 3-4x
   * slower than Add + LayerNorm here (BENCHMARKS.md), and ORT fuses the pairs it can by itself.
   */
  const skipNorm = (v: string, skip: string, name: string, norm: string, epsilon = eps) => {
    const b = bias(name);
    const sum = g.add(v, b ? g.add(skip, g.f32(b, [d], `${name}.bias`)) : skip);
    return [ln(sum, norm, epsilon), sum] as const;
  };
  const attentionOf = (h: string, b: string) => {
    if (meta.attention === 'fused') {
      // Q, K and V as three [D, D] products, not one [D, 3D] product and a Split: no Split pass, and
      // ORT's MatMul ran faster at these widths (BENCHMARKS.md). The qkv bias goes inside the kernel.
      const qkvBias = contrib ? bias(`${b}.attn.qkv`) : undefined;
      const w = get(weights, `${b}.attn.qkv.weight`);
      const own = !qkvBias ? bias(`${b}.attn.qkv`) : undefined;
      const [qv, kv, vv] = [0, 1, 2].map((j) =>
        g.linear(
          h,
          transposed(w.subarray(j * d * d, (j + 1) * d * d), d, d),
          [d, d],
          own?.subarray(j * d, (j + 1) * d),
          `${b}.attn.${'qkv'[j]}`,
        ),
      );
      const inputs = qkvBias ? [qv, kv, vv, g.f32(qkvBias, [3 * d], `${b}.attn.qkv.bias`)] : [qv, kv, vv];
      return g.node(
        'MultiHeadAttention',
        inputs,
        { num_heads: attr.int(config.heads) },
        { domain: 'com.microsoft' },
      )[0];
    }
    const qkv = linear(h, `${b}.attn.qkv`, 3 * d, d);
    const [qv, kv, vv] = g.node('Split', [qkv], { axis: attr.int(2) }, { outputs: 3 });
    const vh = heads(vv, [0, 2, 1, 3]);
    let logits: string;
    if (int8QK) {
      const [qq, qs, qz] = g.node('DynamicQuantizeLinear', [heads(qv, [0, 2, 1, 3])], {}, { outputs: 3 });
      const [kq, ks, kz] = g.node('DynamicQuantizeLinear', [heads(kv, [0, 2, 3, 1])], {}, { outputs: 3 });
      const acc = g.cast(g.node('MatMulInteger', [qq, kq, qz, kz])[0], 'float32');
      logits = g.mul(acc, g.mul(g.mul(qs, ks), g.scalar(1 / Math.sqrt(dh))));
    } else {
      const qh = g.mul(heads(qv, [0, 2, 1, 3]), g.scalar(1 / Math.sqrt(dh)));
      logits = g.matmul(qh, heads(kv, [0, 2, 3, 1]));
    }
    const att = g.matmul(g.softmax(logits, -1), vh);
    return g.reshape(g.transpose(att, [0, 2, 1, 3]), [0, 0, d]);
  };
  /**
   * The MLP without its fc2 bias, in `mlpBlocks` column blocks: block j is
   * `BiasGelu(h @ W1[:, j]) @ W2[j, :]`, and the blocks' products are summed. The same sums as one
   * `[D, 4D]` and one `[4D, D]` product, but each block's `[N, D]` hidden slice is still in cache when
   * its GELU and its fc2 product read it (`mlpBlocks`, BENCHMARKS.md).
   */
  const mlpInBlocks = (h2: string, b: string) => {
    const m = config.mlpDim;
    const blocks = mlpBlocks;
    const width = m / blocks;
    const w1 = transposed(get(weights, `${b}.mlp.fc1.weight`), m, d); // [D, M]
    const w2 = transposed(get(weights, `${b}.mlp.fc2.weight`), d, m); // [M, D]
    const b1 = bias(`${b}.mlp.fc1`);
    let out: string | undefined;
    for (let j = 0; j < blocks; j++) {
      const cols = columnBlock(w1, d, m, j * width, width);
      const name = blocks === 1 ? `${b}.mlp` : `${b}.mlp.${j}`;
      const pre = g.linear(h2, cols, [d, width], undefined, `${name}.fc1`);
      const hidden = b1
        ? g.node(
            'BiasGelu',
            [pre, g.f32(b1.subarray(j * width, (j + 1) * width), [width], `${name}.fc1.bias`)],
            {},
            { domain: 'com.microsoft' },
          )[0]
        : g.node('Gelu', [pre], {}, { domain: 'com.microsoft' })[0];
      const part = g.linear(
        hidden,
        w2.subarray(j * width * d, (j + 1) * width * d),
        [width, d],
        undefined,
        `${name}.fc2`,
      );
      out = out === undefined ? part : g.add(out, part);
    }
    return out as string;
  };
  let tokens: string | undefined;
  if (contrib) {
    // x -> LN1 once; then per block: SkipLN(x, proj) gives LN2 input and the residual sum, and
    // SkipLN(sum, fc2) gives the next block's LN1 input (or the final norm) and the block output.
    let h = ln(x, 'blocks.0.norm1');
    for (let i = 0; i < config.depth; i++) {
      const b = `blocks.${i}`;
      const proj = linear(attentionOf(h, b), `${b}.attn.proj`, d, d, false);
      const [h2, mid] = skipNorm(x, proj, `${b}.attn.proj`, `${b}.norm2`);
      const fc2 = mlpInBlocks(h2, b);
      const last = i === config.depth - 1;
      if (!last || config.finalNorm === 'tokens') {
        const [next, sum] = skipNorm(mid, fc2, `${b}.mlp.fc2`, last ? 'norm' : `blocks.${i + 1}.norm1`);
        h = next;
        x = sum;
        if (last) tokens = next;
      } else {
        const b2 = bias(`${b}.mlp.fc2`);
        x = g.add(mid, b2 ? g.add(fc2, g.f32(b2, [d], `${b}.mlp.fc2.bias`)) : fc2);
      }
      if (layers.includes(i)) g.output(x, 'float32', { name: `layer_${i}`, dims: ['batch', tokensDim, d] });
    }
  } else {
    for (let i = 0; i < config.depth; i++) {
      const b = `blocks.${i}`;
      x = g.add(x, linear(attentionOf(ln(x, `${b}.norm1`), b), `${b}.attn.proj`, d, d));
      const hidden = g.gelu(linear(ln(x, `${b}.norm2`), `${b}.mlp.fc1`, config.mlpDim, d));
      x = g.add(x, linear(hidden, `${b}.mlp.fc2`, d, config.mlpDim));
      if (layers.includes(i)) g.output(x, 'float32', { name: `layer_${i}`, dims: ['batch', tokensDim, d] });
    }
  }
  tokens ??= config.finalNorm === 'tokens' ? ln(x, 'norm') : x;
  g.output(tokens, 'float32', { name: 'tokens', dims: ['batch', tokensDim, d] });
  let pooled = g.reduceMean(tokens, [1], false);
  if (config.finalNorm === 'pooled') pooled = ln(pooled, 'fc_norm', config.pooledNormEps ?? eps);
  g.output(pooled, 'float32', { name: 'pooled', dims: ['batch', d] });
  if (config.numClasses > 0) {
    g.output(linear(pooled, 'head', config.numClasses, d), 'float32', {
      name: 'logits',
      dims: ['batch', config.numClasses],
    });
  }
  return g;
}

/** The encoder as ONNX bytes (see {@link buildVitGraph}). */
export function exportVitOnnx(
  config: VitConfig,
  weights: NamedWeights,
  options: VitOnnxExportOptions = {},
): Uint8Array {
  return buildVitGraph(config, weights, options).toBuffer();
}

/** Writes the encoder's ONNX file atomically (see {@link buildVitGraph}). */
export async function writeVitOnnx(
  path: string,
  config: VitConfig,
  weights: NamedWeights,
  options: VitOnnxExportOptions = {},
): Promise<void> {
  await buildVitGraph(config, weights, options).writeFile(path);
}
