import {
  assertShape,
  type ClipBatch,
  type SeedOrRng,
  ShapeError,
  type TokenGrid,
  tokenCount,
  toRng,
} from '@vfmkit/core';
import {
  addParam,
  createParams,
  dense,
  disposeParams,
  gatherRows,
  layerNorm,
  matmul,
  type Params,
  tf,
  transformerBlock,
} from '@vfmkit/nn';
import { type VitConfig, vitTokenGrid } from '../config';
import { type MaeDecoderConfig, type MaeDecoderConfigInput, parseMaeDecoderConfig } from '../mae-config';
import { checkWeights, initMaeDecoderWeights, type NamedWeights } from '../named-weights';
import { patchTargets } from '../patches';
import { gridInterpolationMatrix, sincosTable } from '../pos-embed';
import { maeDecoderWeightSpecs, maeTargetDim } from '../weights';
import { checkVisible, VitModel } from './vit-model';

/**
 * Which tokens the encoder sees and which the decoder reconstructs, as `[B, K]` and `[B, Kd]` int32
 * token ids (t-major). From `@vfmkit/masking`: `visible` = an encoder mask's `keep` (mask convention:
 * `true` = removed from the encoder), `decode` = a decoder mask's `indices` (or the encoder mask's
 * `masked` to reconstruct every hidden token, as VideoMAE does).
 */
export interface MaeMasks {
  readonly visible: Int32Array;
  readonly decode: Int32Array;
}

/** Options of {@link MaeModel.loss}. */
export interface MaeLossOptions {
  /** Token ids `[B, N]` from a video tokenizer; required when the decoder's target is `tokens`. */
  readonly tokenIds?: Int32Array;
  readonly training?: boolean;
  readonly seed?: SeedOrRng;
}

/**
 * A masked autoencoder (VideoMAE; LVMAE with token targets and an adaptive decoder mask): the encoder
 * runs on visible tokens, a narrow decoder gets them (projected) plus a learned mask token at each
 * position to reconstruct, each with the decoder's positional embedding; the head predicts per-patch
 * normalised pixels (mean squared error) or token ids (cross-entropy over the vocabulary), and the loss
 * covers exactly the decoded tokens.
 */
export class MaeModel {
  private constructor(
    readonly encoder: VitModel,
    readonly decoderConfig: MaeDecoderConfig,
    /** Decoder weights (`decoder.*`). */
    readonly decoderParams: Params,
  ) {}

  static create(
    encoderConfig: VitConfig,
    decoder: MaeDecoderConfigInput | MaeDecoderConfig,
    weights: { encoder?: NamedWeights | SeedOrRng; decoder?: NamedWeights | SeedOrRng } = {},
  ): MaeModel {
    const dec = parseMaeDecoderConfig(decoder);
    const encoder = VitModel.create(encoderConfig, weights.encoder ?? 0);
    const w =
      weights.decoder instanceof Map
        ? weights.decoder
        : initMaeDecoderWeights(encoderConfig, dec, weights.decoder ?? 1);
    const specs = maeDecoderWeightSpecs(encoderConfig, dec);
    checkWeights(w, specs);
    const params = createParams();
    for (const spec of specs) {
      const t = w.get(spec.name) as { shape: readonly number[]; data: Float32Array };
      addParam(params, spec.name, tf.tensor(t.data, [...t.shape], 'float32'));
    }
    return new MaeModel(encoder, dec, params);
  }

  /** Encoder and decoder parameters together (for an optimizer). */
  allParams(): Params {
    return new Map([...this.encoder.params, ...this.decoderParams]);
  }

  private decoderPositions(grid: TokenGrid): tf.Tensor2D {
    const train = vitTokenGrid(this.encoder.config);
    const w = this.decoderConfig.width;
    const n = tokenCount(grid);
    const n0 = tokenCount(train);
    const same = train.t === grid.t && train.h === grid.h && train.w === grid.w;
    const table =
      this.decoderConfig.posEmbed === 'learned'
        ? (this.decoderParams.get('decoder.pos_embed') as tf.Variable<tf.Rank.R2>)
        : tf.tensor2d(sincosTable(n0, w), [n0, w]);
    if (same) return table;
    return matmul(tf.tensor2d(gridInterpolationMatrix(train, grid), [n, n0]), table);
  }

  /**
   * Predictions for the decoded tokens: `[B, Kd, t * p * p * C]` (pixels), `[B, Kd, vocabSize]` (logits) or `[B, Kd, bits]` (one logit per bit).
   * @param clips `[B, T, H, W, C]` in [0, 1].
   */
  predict(
    clips: ClipBatch,
    masks: MaeMasks,
    options: { training?: boolean; seed?: SeedOrRng } = {},
  ): tf.Tensor3D {
    const b = clips.shape[0];
    const rng = toRng(options.seed ?? 0);
    const enc = this.encoder.forward(clips, {
      visible: masks.visible,
      training: options.training,
      seed: rng.fork(),
      layers: [],
    });
    const n = tokenCount(enc.grid);
    const k = checkVisible(masks.visible, b, n);
    const kd = checkVisible(masks.decode, b, n);
    const dc = this.decoderConfig;
    const pos = this.decoderPositions(enc.grid);
    const vis = tf.add(
      dense(this.decoderParams, 'decoder.embed', enc.tokens),
      gatherRows(pos, tf.tensor2d(masks.visible, [b, k], 'int32')),
    );
    const maskToken = this.decoderParams.get('decoder.mask_token') as tf.Variable;
    const holes = tf.add(gatherRows(pos, tf.tensor2d(masks.decode, [b, kd], 'int32')), maskToken);
    let x = tf.concat([vis, holes], 1);
    for (let i = 0; i < dc.depth; i++) {
      x = transformerBlock(this.decoderParams, `decoder.blocks.${i}`, x, {
        heads: dc.heads,
        eps: dc.layerNormEps,
      });
    }
    const decoded = tf.split(x, [k, kd], 1)[1];
    const normed = layerNorm(this.decoderParams, 'decoder.norm', decoded, dc.layerNormEps);
    return dense(this.decoderParams, 'decoder.head', normed) as tf.Tensor3D;
  }

  /**
   * The MAE loss on the decoded tokens: mean squared error against per-patch normalised pixels
   * (`normPixels`, the default) or raw pixels, averaged over tokens and values; or cross-entropy against
   * `tokenIds`, averaged over tokens; or, for `bits` targets, binary cross-entropy per bit of `tokenIds`
   * (bit i = `(id >> i) & 1`, LFQ's first code dimension in the least significant bit), averaged over
   * tokens and bits.
   *
   * Call it inside `computeGradients` (training) or `tf.tidy` (evaluation): it does not wrap itself in
   * `tf.tidy`, because an inner tidy would dispose the gather indices that the backward pass still needs.
   */
  loss(clips: ClipBatch, masks: MaeMasks, options: MaeLossOptions = {}): tf.Scalar {
    {
      const pred = this.predict(clips, masks, options);
      const [b, kd, dim] = pred.shape;
      const n = tokenCount(vitGridOf(clips, this.encoder.config));
      if (this.decoderConfig.target === 'pixels') {
        const all = patchTargets(
          clips.data,
          clips.shape,
          this.encoder.config.tubelet,
          this.decoderConfig.normPixels,
        );
        const rows = new Float32Array(b * kd * dim);
        for (let i = 0; i < b * kd; i++) {
          const src = (Math.floor(i / kd) * n + masks.decode[i]) * dim;
          rows.set(all.subarray(src, src + dim), i * dim);
        }
        return tf.mean(tf.square(tf.sub(pred, tf.tensor3d(rows, [b, kd, dim])))) as tf.Scalar;
      }
      const ids = options.tokenIds;
      if (!ids)
        throw new ShapeError(`${this.decoderConfig.target} targets need tokenIds [B, N]`, {
          name: 'tokenIds',
          expected: [b, n],
          actual: [],
        });
      assertShape('tokenIds', [ids.length], [b * n]);
      const labels = new Int32Array(b * kd);
      for (let i = 0; i < b * kd; i++) {
        const id = ids[Math.floor(i / kd) * n + masks.decode[i]];
        const vocab = this.decoderConfig.target === 'bits' ? 2 ** dim : dim;
        if (id < 0 || id >= vocab) {
          throw new ShapeError(`token id ${id} is outside the vocabulary [0, ${vocab})`, {
            name: 'tokenIds',
            expected: [b, n],
            actual: [ids.length],
          });
        }
        labels[i] = id;
      }
      if (this.decoderConfig.target === 'bits') {
        // Binary cross-entropy with logits per bit, in the stable form max(x, 0) - x y + log(1 + e^-|x|).
        const y = new Float32Array(b * kd * dim);
        for (let i = 0; i < b * kd; i++) for (let j = 0; j < dim; j++) y[i * dim + j] = (labels[i] >>> j) & 1;
        const x = tf.reshape(pred, [b * kd, dim]);
        const bce = tf.add(
          tf.sub(tf.relu(x), tf.mul(x, tf.tensor2d(y, [b * kd, dim]))),
          tf.log1p(tf.exp(tf.neg(tf.abs(x)))),
        );
        return tf.mean(bce) as tf.Scalar;
      }
      const logp = tf.logSoftmax(tf.reshape(pred, [b * kd, dim]));
      const picked = tf.sum(tf.mul(logp, tf.oneHot(tf.tensor1d(labels, 'int32'), dim)), 1);
      return tf.neg(tf.mean(picked)) as tf.Scalar;
    }
  }

  /** Output size of the head. */
  get targetDim(): number {
    return maeTargetDim(this.encoder.config, this.decoderConfig);
  }

  /** Frees every variable. */
  dispose(): void {
    this.encoder.dispose();
    disposeParams(this.decoderParams);
  }
}

function vitGridOf(clips: ClipBatch, config: VitConfig): TokenGrid {
  const [, t, h, w] = clips.shape;
  return { t: t / config.tubelet[0], h: h / config.tubelet[1], w: w / config.tubelet[2] };
}
