import { assertShape, type SeedOrRng, toRng } from '@vfmkit/core';
import {
  addParam,
  createParams,
  dense,
  disposeParams,
  initCrossAttention,
  initDense,
  initLayerNorm,
  initMlp,
  layerNorm,
  mlp,
  type Params,
  paramCount,
  tf,
  truncNormal,
} from '@vfmkit/nn';
import { attentivePoolerCost, multiLayerPoolerCost } from '@vfmkit/videoglue-score';
import { ProbeError } from '../errors';
import { pooledCrossAttention } from './attention';
import { type ProbeHeadConfig, type ProbeHeadConfigInput, parseProbeHeadConfig } from './config';

/** Cost of a probe head, VideoGLUE style (2 FLOPs per multiply-accumulate). */
export interface ProbeCost {
  /** Parameters the probe trains. */
  trainableParams: number;
  /** Forward GFLOPs of the trained part, per clip (VideoGLUE's single-cost C_i). */
  trainableGflops: number;
  /** Forward GFLOPs at inference: `encoderGflops` (when given) plus the head. */
  inferenceGflops: number;
}

/**
 * A readout head over frozen encoder features, trained with tfjs on cached features.
 * Parameter names follow timm (`pool.q.weight`, `pool.kv.weight`, `head.weight`, ...).
 */
export class ProbeHead {
  readonly config: ProbeHeadConfig;
  readonly params: Params;

  private constructor(config: ProbeHeadConfig, params: Params) {
    this.config = config;
    this.params = params;
  }

  /** Builds a head with freshly initialised weights (seeded). */
  static create(input: ProbeHeadConfigInput, seed: SeedOrRng): ProbeHead {
    const c = parseProbeHeadConfig(input);
    const rng = toRng(seed);
    const params = createParams();
    const D = c.inputWidth;
    const stages = c.kind === 'mlap' ? c.layers : c.kind === 'attentive' ? 1 : 0;
    if (c.kind === 'linear') initLayerNorm(params, 'norm', D);
    if (c.positional) addParam(params, 'pos_embed', truncNormal([1, c.tokens, D], 0.02, rng.fork()));
    for (let s = 0; s < stages; s++) {
      const p = stages === 1 ? 'pool' : `pools.${s}`;
      initLayerNorm(params, `${p}.feature_norm`, D);
      addParam(params, `${p}.latent`, truncNormal([1, c.queries, D], D ** -0.5, rng.fork()));
      initCrossAttention(params, p, D, rng.fork());
      initLayerNorm(params, `${p}.norm`, D);
      initMlp(params, `${p}.mlp`, D, Math.round(D * c.mlpRatio), rng.fork());
    }
    if (c.conditionWidth > 0) initDense(params, 'condition', c.conditionWidth, D, rng.fork());
    initDense(params, 'head', D, c.outputs, rng.fork(), { init: 'trunc_normal', std: 0.02 });
    return new ProbeHead(c, params);
  }

  /**
   * Output rows per clip: Q for pooled heads; for a linear head N (per token), `timeSteps` (per time
   * step) or 1 (mean-pooled).
   */
  get outputRows(): number {
    const c = this.config;
    if (c.kind === 'linear') return c.pool === 'none' ? c.tokens : c.pool === 'time' ? c.timeSteps : 1;
    return c.queries;
  }

  /** The feature shape this head reads: `[B, N, D]`, or `[B, L, N, D]` (last L layers, oldest first) for `mlap`. */
  featureShape(batch: number): number[] {
    const c = this.config;
    return c.kind === 'mlap' ? [batch, c.layers, c.tokens, c.inputWidth] : [batch, c.tokens, c.inputWidth];
  }

  /**
   * Forward pass.
   * @param features `[B, N, D]` (`[B, L, N, D]` for `mlap`).
   * @param condition `[B, Q, F]` per-query conditioning when `conditionWidth > 0`.
   * @returns `[B, R, O]` with R = {@link outputRows}.
   */
  forward(features: tf.Tensor, condition?: tf.Tensor): tf.Tensor {
    const c = this.config;
    const B = features.shape[0];
    assertShape('features', features.shape, this.featureShape(B));
    if (c.conditionWidth > 0 !== (condition !== undefined))
      throw new ProbeError(
        c.conditionWidth > 0 ? 'this head needs a condition [B, Q, F]' : 'this head takes no condition',
        { what: 'condition' },
      );
    if (condition) assertShape('condition', condition.shape, [B, c.queries, c.conditionWidth]);
    return tf.tidy(() => {
      const withPos = (x: tf.Tensor) =>
        c.positional ? tf.add(x, this.params.get('pos_embed') as tf.Tensor) : x;
      if (c.kind === 'linear') {
        let x = withPos(layerNorm(this.params, 'norm', features));
        if (c.pool === 'mean') x = tf.mean(x, 1, true);
        if (c.pool === 'time') x = tf.mean(tf.reshape(x, [B, c.timeSteps, -1, c.inputWidth]), 2);
        return dense(this.params, 'head', x);
      }
      const layers = c.kind === 'mlap' ? tf.unstack(features, 1) : [features];
      let query: tf.Tensor | undefined;
      layers.forEach((tokens, s) => {
        const p = layers.length === 1 ? 'pool' : `pools.${s}`; // as created: one stage is `pool`
        const latent = tf.broadcastTo(this.params.get(`${p}.latent`) as tf.Tensor, [
          B,
          c.queries,
          c.inputWidth,
        ]);
        let q = query ? tf.add(query, latent) : latent;
        if (s === 0 && condition) q = tf.add(q, dense(this.params, 'condition', condition));
        const kv = withPos(layerNorm(this.params, `${p}.feature_norm`, tokens));
        const x = pooledCrossAttention(this.params, p, q, kv, c.heads);
        query = tf.add(x, mlp(this.params, `${p}.mlp`, layerNorm(this.params, `${p}.norm`, x)));
      });
      return dense(this.params, 'head', query as tf.Tensor);
    });
  }

  /** Number of trainable scalars (all of the head's parameters). */
  get trainableParams(): number {
    return paramCount(this.params);
  }

  /**
   * Parameters and FLOPs for the VideoGLUE score. Pooler heads use `@vfmkit/videoglue-score`'s cost
   * model (checked against the actual parameter count in tests), plus the optional positional encoding
   * and conditioning layer; a linear head costs its layer norm and matrix.
   * @param encoderGflops forward GFLOPs of the frozen encoder per clip, added to the inference cost.
   */
  cost(encoderGflops = 0): ProbeCost {
    const c = this.config;
    const D = c.inputWidth;
    let params: number;
    let macs: number;
    if (c.kind === 'linear') {
      const rows = this.outputRows;
      params = 2 * D + D * c.outputs + c.outputs;
      macs = rows * D * c.outputs;
    } else {
      const opts = {
        inputWidth: D,
        tokens: c.tokens,
        queries: c.queries,
        mlpDim: Math.round(D * c.mlpRatio),
        numClasses: c.outputs,
      };
      const base =
        c.kind === 'mlap' ? multiLayerPoolerCost({ ...opts, layers: c.layers }) : attentivePoolerCost(opts);
      params = base.params;
      macs = base.macs;
    }
    if (c.positional) params += c.tokens * D;
    if (c.conditionWidth > 0) {
      params += c.conditionWidth * D + D;
      macs += c.queries * c.conditionWidth * D;
    }
    const gflops = (2 * macs) / 1e9;
    return { trainableParams: params, trainableGflops: gflops, inferenceGflops: encoderGflops + gflops };
  }

  /** Releases the weights. */
  dispose(): void {
    disposeParams(this.params);
  }
}
