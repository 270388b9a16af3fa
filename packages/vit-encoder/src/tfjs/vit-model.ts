import {
  assertShape,
  type ClipBatch,
  type SeedOrRng,
  ShapeError,
  type TokenGrid,
  tokenCount,
  tokenGridOf,
  toRng,
} from '@vfmkit/core';
import {
  addParam,
  createParams,
  dense,
  disposeParams,
  gatherRows,
  layerNorm,
  type Params,
  tf,
  transformerBlock,
} from '@vfmkit/nn';
import { patchDim, type VitConfig } from '../config';
import { checkWeights, initVitWeights, type NamedWeights } from '../named-weights';
import { patchify } from '../patches';
import { vitWeightSpecs } from '../weights';
import { encoderPositions } from './positions';

/** Options of a forward pass. */
export interface VitForwardOptions {
  /**
   * Visible-token index `[B, K]` int32 (t-major token ids, e.g. `keep` of a `@vfmkit/masking` encoder
   * mask, where the mask's `true` = removed): only these tokens enter the blocks.
   */
  readonly visible?: Int32Array;
  /** Training mode: enables drop path (needs `seed`). */
  readonly training?: boolean;
  readonly seed?: SeedOrRng;
}

/** What a forward pass returns (tensors the caller disposes, or wraps in `tf.tidy`). */
export interface VitOutputs {
  /** `[B, N, D]` (N = K with a visible index): last block, after the final norm when `finalNorm` is `tokens`. */
  readonly tokens: tf.Tensor3D;
  /** Requested block outputs `[B, N, D]` (before the final norm), in the order asked. */
  readonly intermediates: tf.Tensor3D[];
  /** `[B, D]` mean of the output tokens (then `fc_norm` when `finalNorm` is `pooled`). */
  readonly pooled: tf.Tensor2D;
  /** `[B, numClasses]` when the config has a head. */
  readonly logits?: tf.Tensor2D;
  /** Token grid of the input clip. */
  readonly grid: TokenGrid;
}

/**
 * Normalised tubelets of a clip batch: `[B * N, t * p * p * C]`, each pixel `(x - mean_c) / std_c`.
 * @throws ShapeError for a clip that is not `[B, T, H, W, C]` with C = config.channels.
 */
export function clipPatches(config: VitConfig, clips: ClipBatch): { patches: tf.Tensor2D; grid: TokenGrid } {
  assertShape('clips', clips.shape, [null, null, null, null, config.channels]);
  const [b, t, h, w, c] = clips.shape;
  const grid = tokenGridOf([t, h, w], config.tubelet);
  const norm = new Float32Array(clips.data.length);
  for (let i = 0; i < norm.length; i++) {
    const ch = i % c;
    norm[i] = (clips.data[i] - config.pixelMean[ch]) / config.pixelStd[ch];
  }
  const rows = patchify(norm, clips.shape, config.tubelet);
  return { patches: tf.tensor2d(rows, [b * tokenCount(grid), patchDim(config)]), grid };
}

/** Checks a visible index `[B, K]` against N tokens; returns K. */
export function checkVisible(visible: Int32Array, batch: number, n: number): number {
  if (visible.length % batch !== 0 || visible.length === 0) {
    throw new ShapeError(`visible index of ${visible.length} ids does not split into ${batch} rows`, {
      name: 'visible',
      expected: [batch, 'K'],
      actual: [visible.length],
    });
  }
  for (let i = 0; i < visible.length; i++) {
    if (visible[i] < 0 || visible[i] >= n) {
      throw new ShapeError(`visible index ${visible[i]} is outside [0, ${n})`, {
        name: 'visible',
        expected: [batch, 'K'],
        actual: [visible.length],
      });
    }
  }
  return visible.length / batch;
}

/** Rows `idx[b, k] + b * N` of a `[B * N, D]` tensor: `[B, K, D]` (gradient through scatterND). */
export function gatherVisibleTokens(x: tf.Tensor2D, idx: Int32Array, batch: number, n: number): tf.Tensor3D {
  const k = idx.length / batch;
  const flat = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) flat[i] = idx[i] + Math.floor(i / k) * n;
  const rows = gatherRows(x, tf.tensor1d(flat, 'int32'));
  return tf.reshape(rows, [batch, k, x.shape[1]]);
}

/**
 * A video ViT in TensorFlow.js on `@vfmkit/nn` layers: tubelet embedding (a linear map of normalised
 * `[t, p, p, C]` tubelets), positional embedding (resampled when the clip's grid differs from training),
 * pre-norm blocks, final norm. Weights live in `params` under the names of `vitWeightSpecs`.
 *
 * Call `await initBackend()` from `@vfmkit/nn` once before use.
 */
export class VitModel {
  private constructor(
    readonly config: VitConfig,
    readonly params: Params,
  ) {}

  /** A model with random weights (see `initVitWeights`) or the given ones (checked against the config). */
  static create(config: VitConfig, weights: NamedWeights | SeedOrRng = 0): VitModel {
    const w = weights instanceof Map ? weights : initVitWeights(config, weights);
    checkWeights(w, vitWeightSpecs(config));
    const params = createParams();
    for (const spec of vitWeightSpecs(config)) {
      const t = w.get(spec.name) as { shape: readonly number[]; data: Float32Array };
      addParam(params, spec.name, tf.tensor(t.data, [...t.shape], 'float32'));
    }
    return new VitModel(config, params);
  }

  /**
   * The full forward pass.
   * @param clips `[B, T, H, W, C]` in [0, 1]; T, H, W multiples of the tubelet (positions are resampled
   *   when the grid differs from the training grid).
   * @param layers 0-based block indices to return as intermediates (default: the config's `exposeLayers`).
   */
  forward(clips: ClipBatch, options: VitForwardOptions & { layers?: readonly number[] } = {}): VitOutputs {
    const c = this.config;
    const layers = options.layers ?? c.exposeLayers;
    for (const l of layers) {
      if (!Number.isInteger(l) || l < 0 || l >= c.depth) {
        throw new ShapeError(`layer ${l} is outside [0, ${c.depth})`, {
          name: 'layers',
          expected: [c.depth],
          actual: [l],
        });
      }
    }
    const b = clips.shape[0];
    const { patches, grid } = clipPatches(c, clips);
    const n = tokenCount(grid);
    const pos = encoderPositions(this.params, c, grid);
    const embedded = tf.add(tf.reshape(dense(this.params, 'patch_embed', patches), [b, n, c.width]), pos);
    let x: tf.Tensor3D;
    if (options.visible) {
      checkVisible(options.visible, b, n);
      x = gatherVisibleTokens(tf.reshape(embedded, [b * n, c.width]), options.visible, b, n);
    } else x = embedded as tf.Tensor3D;
    const rng = options.training && c.dropPath > 0 ? toRng(options.seed ?? 0) : undefined;
    const intermediates = new Map<number, tf.Tensor3D>();
    for (let i = 0; i < c.depth; i++) {
      const rate = rng && c.depth > 1 ? (c.dropPath * i) / (c.depth - 1) : rng ? c.dropPath : 0;
      x = transformerBlock(this.params, `blocks.${i}`, x, {
        heads: c.heads,
        eps: c.layerNormEps,
        dropPath: rate,
        seed: rng?.fork(),
      }) as tf.Tensor3D;
      if (layers.includes(i)) intermediates.set(i, x);
    }
    const tokens =
      c.finalNorm === 'tokens' ? (layerNorm(this.params, 'norm', x, c.layerNormEps) as tf.Tensor3D) : x;
    let pooled = tf.mean(tokens, 1) as tf.Tensor2D;
    if (c.finalNorm === 'pooled')
      pooled = layerNorm(this.params, 'fc_norm', pooled, c.pooledNormEps ?? c.layerNormEps) as tf.Tensor2D;
    const logits = c.numClasses > 0 ? (dense(this.params, 'head', pooled) as tf.Tensor2D) : undefined;
    return {
      tokens,
      intermediates: layers.map((l) => intermediates.get(l) as tf.Tensor3D),
      pooled,
      logits,
      grid,
    };
  }

  /** Output tokens `[B, N, D]` (see {@link VitModel.forward}). Dispose the result. */
  forwardFeatures(clips: ClipBatch, options: VitForwardOptions = {}): tf.Tensor3D {
    return tf.tidy(() => this.forward(clips, { ...options, layers: [] }).tokens);
  }

  /** Block outputs `[B, N, D]` for each of `layers` (before the final norm) and the token grid. */
  forwardIntermediates(
    clips: ClipBatch,
    layers: readonly number[],
    options: VitForwardOptions = {},
  ): { layers: tf.Tensor3D[]; grid: TokenGrid } {
    let grid: TokenGrid = { t: 0, h: 0, w: 0 };
    const out = tf.tidy(() => {
      const r = this.forward(clips, { ...options, layers });
      grid = r.grid;
      return r.intermediates;
    });
    return { layers: out, grid };
  }

  /** The current weights by name (copies). */
  async weights(): Promise<NamedWeights> {
    const out: NamedWeights = new Map();
    for (const [name, v] of this.params)
      out.set(name, { shape: v.shape, data: (await v.data()) as Float32Array });
    return out;
  }

  /** Frees every variable. */
  dispose(): void {
    disposeParams(this.params);
  }
}
