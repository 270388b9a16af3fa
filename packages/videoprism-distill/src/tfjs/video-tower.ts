import { type ClipBatch, type SeedOrRng, type TokenGrid, toRng } from '@vfmkit/core';
import { addParam, attentionPool, initAttentionPool, type Params, tf } from '@vfmkit/nn';
import { checkWeights, type NamedWeights } from '@vfmkit/vit-encoder';
import { VitModel } from '@vfmkit/vit-encoder/tfjs';
import type { VideoTowerConfigInput } from '../config';
import {
  resolveVideoTower,
  splitTowerWeights,
  type VideoTowerConfig,
  videoTowerWeightSpecs,
} from '../internal/tower';

/** Layer-norm epsilon of the pool's MLP branch (nn's `attentionPool` default; the ONNX export uses the same). */
export const POOL_EPS = 1e-6;

/** Options of {@link VideoTower.forward}. */
export interface VideoTowerForwardOptions {
  /**
   * `[B, K]` int32 token ids the encoder sees (e.g. {@link tubeDropBatch}'s output for VideoPrism's 50%
   * tube drop); unset = every token.
   */
  readonly visible?: Int32Array;
  /** Training mode (the ViT's drop path; needs `seed`). */
  readonly training?: boolean;
  readonly seed?: SeedOrRng;
}

/** What {@link VideoTower.forward} returns (tensors the caller disposes or wraps in `tf.tidy`). */
export interface VideoTowerOutputs {
  /** `[B, K, D]` the encoder's output tokens (K = N without a visible index), after its final norm. */
  readonly tokens: tf.Tensor3D;
  /** `[B, D]` the global embedding (attention pooling with one learned query), NOT normalised. */
  readonly embedding: tf.Tensor2D;
  readonly grid: TokenGrid;
}

/**
 * VideoPrism's video tower in TensorFlow.js: a `@vfmkit/vit-encoder` ViT over tubelet tokens, then
 * attention pooling with one learned query (nn's `attentionPool`, weights `pool.*`) to the global
 * embedding `[B, D]`, D = the ViT's width. Parameter names: the ViT's own (`patch_embed.weight`,
 * `blocks.0.attn.qkv.weight`, ...) and `pool.*`.
 *
 * Call `await initBackend()` from `@vfmkit/nn` once before use.
 */
export class VideoTower {
  private constructor(
    readonly config: VideoTowerConfig,
    readonly encoder: VitModel,
    /** Every weight: the encoder's variables (same objects) and the pool's. */
    readonly params: Params,
  ) {}

  /**
   * A tower with random weights (ViT init for the encoder, nn's init for the pool) or the given ones.
   * @throws ConfigError for an invalid config; CheckpointError naming a missing, mis-shaped or
   *   unexpected weight.
   */
  static create(
    config: VideoTowerConfigInput | VideoTowerConfig,
    weights: NamedWeights | SeedOrRng = 0,
  ): VideoTower {
    const c = resolveVideoTower(config);
    const d = c.encoder.width;
    if (weights instanceof Map) {
      checkWeights(weights, videoTowerWeightSpecs(c));
      const { encoder: ew, pool } = splitTowerWeights(weights);
      const encoder = VitModel.create(c.encoder, ew);
      const params: Params = new Map(encoder.params);
      for (const [name, w] of pool) addParam(params, name, tf.tensor(w.data, [...w.shape], 'float32'));
      return new VideoTower(c, encoder, params);
    }
    const rng = toRng(weights);
    const encoder = VitModel.create(c.encoder, rng.fork());
    const params: Params = new Map(encoder.params);
    initAttentionPool(params, 'pool', d, 1, rng.fork(), c.poolMlpRatio);
    return new VideoTower(c, encoder, params);
  }

  /** Embedding width D. */
  get width(): number {
    return this.config.encoder.width;
  }

  /**
   * Encoder tokens and the pooled global embedding.
   * @param clips `[B, T, H, W, C]` in [0, 1]
   */
  forward(clips: ClipBatch, options: VideoTowerForwardOptions = {}): VideoTowerOutputs {
    const out = this.encoder.forward(clips, {
      visible: options.visible,
      training: options.training,
      seed: options.seed,
      layers: [],
    });
    const b = clips.shape[0];
    const pooled = attentionPool(this.params, 'pool', out.tokens, {
      heads: this.config.poolHeads,
      eps: POOL_EPS,
    });
    return {
      tokens: out.tokens,
      embedding: tf.reshape(pooled, [b, this.width]) as tf.Tensor2D,
      grid: out.grid,
    };
  }

  /** The global embedding `[B, D]` of clips `[B, T, H, W, C]` (every token; not normalised). Dispose it. */
  embed(clips: ClipBatch): tf.Tensor2D {
    return tf.tidy(() => this.forward(clips).embedding);
  }

  /** The current weights by name (copies), in the order of the tower's weight specs. */
  weights(): NamedWeights {
    const out: NamedWeights = new Map();
    for (const spec of videoTowerWeightSpecs(this.config)) {
      const v = this.params.get(spec.name) as tf.Variable;
      out.set(spec.name, { shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) });
    }
    return out;
  }

  /** Frees every variable. */
  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
    this.encoder.params.clear();
  }
}
