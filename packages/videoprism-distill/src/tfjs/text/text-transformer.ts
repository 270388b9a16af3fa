import { type SeedOrRng, ShapeError, toRng } from '@vfmkit/core';
import {
  addParam,
  createParams,
  dense,
  disposeParams,
  gatherRows,
  initDense,
  initEmbedding,
  initLayerNorm,
  initTransformerBlock,
  layerNorm,
  type Params,
  tf,
  transformerBlock,
  truncNormal,
} from '@vfmkit/nn';
import type { NamedWeights } from '@vfmkit/vit-encoder';
import { UnknownTokenError } from '../../errors';
import {
  parseTextEncoderConfig,
  type TextEncoderConfig,
  type TextEncoderConfigInput,
} from '../../text/text-config';
import {
  checkTextWeights,
  TEXT_LAYER_NORM_EPS,
  TEXT_MASK_BIAS,
  textWeightSpecs,
} from '../../text/text-weights';

/**
 * VideoPrism's text tower in TensorFlow.js on `@vfmkit/nn` layers: token embedding (a lookup whose
 * gradient is a scatter, so it trains on wasm) plus learned positions, pre-norm bidirectional blocks
 * with padding masked out of attention, a final norm, pooling (`mean` over real tokens or the `first`
 * token) and a linear projection to `embedDim`. Weights are named as in `textWeightSpecs`.
 *
 * Call `await initBackend()` from `@vfmkit/nn` once before use.
 */
export class TextTransformer {
  private constructor(
    readonly config: TextEncoderConfig,
    readonly params: Params,
  ) {}

  /**
   * A text encoder with random weights drawn from `weights` as a seed (default 0: embeddings and
   * positions ~ truncated Normal(0, 0.02), linear layers Xavier-uniform, norms 1/0), or the given ones.
   * @throws ConfigError for an invalid config; CheckpointError for missing, extra or mis-shaped weights.
   */
  static create(config: TextEncoderConfigInput, weights: NamedWeights | SeedOrRng = 0): TextTransformer {
    const c = parseTextEncoderConfig(config);
    const specs = textWeightSpecs(c);
    const params = createParams();
    if (weights instanceof Map) {
      checkTextWeights(weights, c);
      for (const spec of specs) {
        const w = weights.get(spec.name) as { data: Float32Array };
        addParam(params, spec.name, tf.tensor(w.data, [...spec.shape], 'float32'));
      }
      return new TextTransformer(c, params);
    }
    const rng = toRng(weights);
    initEmbedding(params, 'token_embed', c.vocabSize, c.width, rng.fork());
    addParam(params, 'pos_embed', truncNormal([c.maxLength, c.width], 0.02, rng.fork()));
    for (let i = 0; i < c.depth; i++)
      initTransformerBlock(params, `blocks.${i}`, c.width, rng.fork(), c.mlpRatio);
    initLayerNorm(params, 'norm', c.width);
    initDense(params, 'proj', c.width, c.embedDim, rng.fork());
    return new TextTransformer(c, params);
  }

  /**
   * Embeds a batch of tokenized captions.
   * @param ids int32 `[B, L]`, L <= maxLength, each id in `[0, vocabSize)` (padding included)
   * @param mask float32 `[B, L]`: 1 = real token, 0 = padding (each row needs one real token)
   * @returns `[B, embedDim]`, not normalised
   * @throws UnknownTokenError for an id outside the vocabulary; ShapeError for mismatched shapes.
   */
  forward(ids: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor2D {
    const c = this.config;
    if (ids.rank !== 2 || ids.dtype !== 'int32') {
      throw new ShapeError(`ids must be int32 [B, L], got ${ids.dtype} [${ids.shape}]`, {
        name: 'ids',
        expected: ['B', 'L'],
        actual: ids.shape,
      });
    }
    const [b, l] = ids.shape;
    if (l > c.maxLength || l < 1) {
      throw new ShapeError(`ids have length ${l}, the encoder takes 1..${c.maxLength}`, {
        name: 'ids',
        expected: ['B', c.maxLength],
        actual: ids.shape,
      });
    }
    if (mask.rank !== 2 || mask.shape[0] !== b || mask.shape[1] !== l) {
      throw new ShapeError(`mask [${mask.shape}] does not match ids [${ids.shape}]`, {
        name: 'mask',
        expected: [b, l],
        actual: mask.shape,
      });
    }
    const values = ids.dataSync();
    for (let i = 0; i < values.length; i++) {
      const id = values[i];
      if (id < 0 || id >= c.vocabSize) {
        throw new UnknownTokenError(
          `token id ${id} (at ${Math.floor(i / l)}, ${i % l}) is outside [0, ${c.vocabSize})`,
          {
            id,
            vocabSize: c.vocabSize,
          },
        );
      }
    }
    return tf.tidy(() => {
      const p = this.params;
      const posTable = p.get('pos_embed') as tf.Variable<tf.Rank.R2>;
      const pos = l === c.maxLength ? posTable : tf.slice(posTable, [0, 0], [l, c.width]);
      let x = tf.add(
        gatherRows(p.get('token_embed.weight') as tf.Variable<tf.Rank.R2>, ids),
        pos,
      ) as tf.Tensor3D;
      const m = tf.cast(mask, 'float32') as tf.Tensor2D;
      const keyBias = tf.mul(tf.sub(1, m), TEXT_MASK_BIAS) as tf.Tensor2D;
      // nn's pre-norm block; the key bias keeps every query off the padding.
      for (let i = 0; i < c.depth; i++)
        x = transformerBlock(p, `blocks.${i}`, x, {
          heads: c.heads,
          eps: TEXT_LAYER_NORM_EPS,
          keyBias,
        }) as tf.Tensor3D;
      const tokens = layerNorm(p, 'norm', x, TEXT_LAYER_NORM_EPS) as tf.Tensor3D;
      let pooled: tf.Tensor2D;
      if (c.pooling === 'first') {
        pooled = tf.reshape(tf.slice(tokens, [0, 0, 0], [b, 1, c.width]), [b, c.width]);
      } else {
        const m3 = tf.reshape(m, [b, l, 1]);
        const count = tf.maximum(tf.sum(m, 1, true), 1e-9);
        pooled = tf.div(tf.sum(tf.mul(tokens, m3), 1), count) as tf.Tensor2D;
      }
      return dense(p, 'proj', pooled) as tf.Tensor2D;
    });
  }

  /** The current weights by name, in `textWeightSpecs` order (copies). */
  weights(): NamedWeights {
    const out: NamedWeights = new Map();
    for (const spec of textWeightSpecs(this.config)) {
      const v = this.params.get(spec.name) as tf.Variable;
      out.set(spec.name, { shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) });
    }
    return out;
  }

  /** Frees every variable. */
  dispose(): void {
    disposeParams(this.params);
  }
}
