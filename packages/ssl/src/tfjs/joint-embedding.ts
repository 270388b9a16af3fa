import { type ClipBatch, ConfigError, parseConfig, ShapeError } from '@vfmkit/core';
import { initBackend, type Params, type TrainableModel, tf } from '@vfmkit/nn';
import { parseVitConfig, type VitConfig, type VitConfigInput } from '@vfmkit/vit-encoder';
import { VitModel } from '@vfmkit/vit-encoder/tfjs';
import { z } from 'zod';
import { SslStatsError } from '../errors';
import { momentumAt, type SslMethodConfig, type SslMethodConfigInput, sslMethodSchema } from '../methods';
import { updateMomentumTarget } from './ema';
import { head, initHead } from './heads';
import { stopGradient } from './internal/ops';
import { byolLoss } from './losses/byol';
import { mocoV3Loss, ntXentLoss } from './losses/contrastive';
import { dinoLoss, dinoTeacherMean, updateDinoCenter } from './losses/dino';
import { embeddingStd } from './losses/embedding-std';
import { vicregLoss } from './losses/vicreg';

/** Everything needed to build the same joint-embedding model in any thread (JSON-serialisable). */
export interface JointEmbeddingSpec {
  /** The ViT encoder (`@vfmkit/vit-encoder` config). */
  readonly encoder: VitConfigInput;
  /** The method: projector, predictor, target and loss (e.g. `SSL_METHODS.byol` with smaller heads). */
  readonly method: SslMethodConfigInput;
  /** Views per clip, V >= 2. */
  readonly views: number;
  /** Seed of the initial weights. */
  readonly seed: number;
  /** Length of the run in optimizer steps: the horizon of the momentum schedule (unset: momentum stays at its base). */
  readonly steps?: number;
}

const specSchema = z
  .object({
    encoder: z.record(z.string(), z.unknown()),
    method: z.unknown(),
    views: z.number().int().min(2),
    seed: z.number().int(),
    steps: z.number().int().positive().optional(),
  })
  .strict();

/** What `loss()` is told (nn's step context; `record` copies a batch statistic at once). */
export interface SslStepContext {
  readonly step: number;
  readonly worker: number;
  record?(name: string, value: tf.Tensor): void;
}

/** What `afterStep()` gets: the optimizer steps completed and the batch means of the recorded statistics. */
export interface SslAfterStepContext {
  readonly step: number;
  readonly stats: ReadonlyMap<string, tf.Tensor>;
}

/** The statistics `loss()` records (scalars unless noted), for logs and the state updates. */
export const SSL_STATS = {
  /** Collapse signal: std of the L2-normalised projector outputs over the batch (see `embeddingStd`). */
  embeddingStd: 'ssl.embeddingStd',
  /** The same on the encoder's mean-pooled embedding, the representation probes read. */
  encoderStd: 'ssl.encoderStd',
  /** DINO: the teacher outputs' batch mean `[K]`, which the center tracks. */
  teacherMean: 'dino.teacherMean',
  vicregInvariance: 'vicreg.invariance',
  vicregVariance: 'vicreg.variance',
  vicregCovariance: 'vicreg.covariance',
} as const;

/** A joint-embedding model: nn's TrainableModel plus its parts. */
export interface JointEmbeddingModel extends TrainableModel {
  /** The online encoder (its params are this model's un-prefixed `params`). */
  readonly encoder: VitModel;
  /** The momentum copy of the encoder (`target.*` params), for `target: 'momentum'`. */
  readonly targetEncoder?: VitModel;
  readonly method: SslMethodConfig;
  readonly encoderConfig: VitConfig;
  readonly views: number;
  /** Shapes of the statistics `loss()` records, by name. */
  readonly stats: Readonly<Record<string, readonly number[]>>;
  /**
   * The loss of one batch. `batch.views` is `[B * V, T, H, W, 3]` float32 in [0, 1], view-major within
   * a clip (clip b's views at rows `b * V .. b * V + V - 1`); `[B, V, T, H, W, 3]` is accepted too (and
   * shards by clip). Records {@link SSL_STATS} through `context.record`.
   */
  loss(batch: Record<string, tf.Tensor>, context: SslStepContext): tf.Scalar;
  /**
   * State updates after each optimizer update: the momentum target's EMA at the schedule's momentum for
   * `context.step`, DINO's center from the `dino.teacherMean` statistic.
   * @throws SslStatsError when DINO's statistic is missing.
   */
  afterStep(context: SslAfterStepContext): void;
  /** The scalar statistics seen by the last `afterStep` (e.g. `ssl.embeddingStd` for the collapse detector). */
  lastStats(): Record<string, number>;
  /** Mean-pooled encoder embeddings `[N, D]` of clips `[N, T, H, W, 3]` (no gradient bookkeeping; dispose). */
  embed(clips: ClipBatch): tf.Tensor2D;
  dispose(): void;
}

function parseSpec(spec: JointEmbeddingSpec): { method: SslMethodConfig; encoder: VitConfig } {
  parseConfig(specSchema, spec, 'joint-embedding spec');
  const method = parseConfig(sslMethodSchema, spec.method, 'joint-embedding spec: method', { root: 'loss' });
  return { method, encoder: parseVitConfig(spec.encoder) };
}

/** Splits `[B * V, P]` (view-major within a clip) into V tensors `[B, P]`. */
function perView(x: tf.Tensor, views: number): tf.Tensor2D[] {
  const [n, p] = x.shape as [number, number];
  const parts = tf.split(tf.reshape(x, [n / views, views, p]), views, 1);
  return parts.map((t) => tf.reshape(t, [n / views, p]) as tf.Tensor2D);
}

/** The pairs (i, j), i < j, of V views. */
function pairs(views: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < views; i++) for (let j = i + 1; j < views; j++) out.push([i, j]);
  return out;
}

function viewsOf(batch: Record<string, tf.Tensor>, views: number): ClipBatch {
  const t = batch.views;
  if (!t)
    throw new ShapeError(`the batch has no "views" (keys: ${Object.keys(batch).join(', ') || 'none'})`, {
      name: 'views',
      expected: ['B * V', 'T', 'H', 'W', 3],
      actual: [],
    });
  const s = t.shape;
  const flat =
    s.length === 6 && s[1] === views
      ? [s[0] * s[1], s[2], s[3], s[4], s[5]]
      : s.length === 5
        ? [...s]
        : undefined;
  if (!flat || flat[0] % views !== 0 || flat[0] === 0)
    throw new ShapeError(
      `views must be [B * V, T, H, W, C] with rows a multiple of V = ${views} (or [B, V, T, H, W, C]), got [${s.join(', ')}]` +
        ' (a micro-batch or data-parallel shard must hold whole clips)',
      { name: 'views', expected: [`B * ${views}`, 'T', 'H', 'W', 'C'], actual: [...s] },
    );
  return { data: t.dataSync() as Float32Array, shape: flat as unknown as ClipBatch['shape'] };
}

/**
 * Builds a joint-embedding model from the SSL template's parts: a `@vfmkit/vit-encoder` ViT whose
 * mean-pooled tokens are the clip embedding, a projector MLP, an optional predictor MLP on the online
 * branch, a target (`online`: the online outputs with gradients; `stop-gradient`: the online outputs as
 * constants; `momentum`: an EMA copy of encoder and projector, non-trainable params `target.<name>`),
 * and the method's loss, averaged over the pairs of views (DINO: its own view pairing, teachers = the
 * first two views). Parameter names: the encoder's own (`blocks.0.attn.qkv.weight`, ...), `projector.*`,
 * `predictor.*`, `target.*`, `dino.center`.
 *
 * Call `await initBackend()` from `@vfmkit/nn` first (or use {@link buildModel}).
 * @throws ConfigError on an invalid spec (naming the key); ShapeError on a bad batch.
 */
export function createJointEmbedding(spec: JointEmbeddingSpec): JointEmbeddingModel {
  const { method, encoder: encoderConfig } = parseSpec(spec);
  const views = spec.views;
  const encoder = VitModel.create(encoderConfig, spec.seed);
  const params: Params = new Map(encoder.params);
  const width = encoderConfig.width;
  initHead(params, 'projector', width, method.projector, spec.seed + 1);
  if (method.predictor) {
    if (method.predictor.out !== method.projector.out && method.target !== 'online')
      throw new ConfigError(
        `predictor out ${method.predictor.out} must equal projector out ${method.projector.out}: it predicts the target's projection`,
        { key: 'method.predictor.out' },
      );
    initHead(params, 'predictor', method.projector.out, method.predictor, spec.seed + 2);
  }
  let targetEncoder: VitModel | undefined;
  if (method.target === 'momentum') {
    // The target starts as an exact copy of the online encoder and projector (BYOL, MoCo v3, DINO).
    const copy = new Map(
      [...encoder.params].map(([n, v]) => [n, { shape: v.shape, data: v.dataSync() as Float32Array }]),
    );
    targetEncoder = VitModel.create(encoderConfig, copy);
    for (const [name, v] of targetEncoder.params) {
      v.trainable = false;
      params.set(`target.${name}`, v);
    }
    for (const [name, v] of [...params]) {
      if (!name.startsWith('projector.')) continue;
      params.set(`target.${name}`, tf.variable(v.clone(), false));
    }
  }
  const k = method.projector.out;
  if (method.loss === 'dino') params.set('dino.center', tf.variable(tf.zeros([k]), false));

  const stats: Record<string, number[]> = { [SSL_STATS.embeddingStd]: [], [SSL_STATS.encoderStd]: [] };
  if (method.loss === 'dino') stats[SSL_STATS.teacherMean] = [k];
  if (method.loss === 'vicreg')
    for (const key of [SSL_STATS.vicregInvariance, SSL_STATS.vicregVariance, SSL_STATS.vicregCovariance])
      stats[key] = [];
  let latest: Record<string, number> = {};

  const loss = (batch: Record<string, tf.Tensor>, context: SslStepContext): tf.Scalar => {
    const clips = viewsOf(batch, views);
    const record = (name: string, value: tf.Tensor) => context.record?.(name, value);
    const pooled = encoder.forward(clips, {
      training: true,
      seed: context.step * 1009 + context.worker,
    }).pooled;
    const z = head(params, 'projector', pooled, method.projector.layers);
    const online = method.predictor ? head(params, 'predictor', z, method.predictor.layers) : z;
    let target: tf.Tensor;
    if (method.target === 'momentum') {
      const tp = (targetEncoder as VitModel).forward(clips).pooled;
      target = head(params, 'target.projector', tp, method.projector.layers);
    } else if (method.target === 'stop-gradient') target = stopGradient(z);
    else target = z;
    record(SSL_STATS.embeddingStd, embeddingStd(z));
    record(SSL_STATS.encoderStd, embeddingStd(pooled));
    const o = perView(online, views);
    const t = perView(target, views);
    const mean = (terms: tf.Tensor[]) => tf.div(tf.addN(terms), terms.length) as tf.Scalar;
    switch (method.loss) {
      case 'nt-xent':
        return mean(
          pairs(views).map(([i, j]) =>
            method.target === 'online'
              ? ntXentLoss(o[i], o[j], method.temperature)
              : tf.div(
                  tf.add(
                    ntXentLoss(o[i], t[j], method.temperature),
                    ntXentLoss(o[j], t[i], method.temperature),
                  ),
                  2,
                ),
          ),
        );
      case 'moco-v3':
        return mean(pairs(views).map(([i, j]) => mocoV3Loss(o[i], o[j], t[i], t[j], method.temperature)));
      case 'byol':
        return mean(pairs(views).map(([i, j]) => byolLoss(o[i], o[j], t[i], t[j])));
      case 'dino': {
        const teachers = t.slice(0, Math.min(2, views));
        record(SSL_STATS.teacherMean, dinoTeacherMean(teachers));
        const center = params.get('dino.center') as tf.Variable;
        return dinoLoss(o, teachers, center, method);
      }
      case 'vicreg': {
        const terms = pairs(views).map(([i, j]) =>
          method.target === 'online'
            ? vicregLoss(o[i], o[j], method.weights)
            : vicregLoss(o[i], t[j], method.weights),
        );
        record(SSL_STATS.vicregInvariance, mean(terms.map((x) => x.invariance)));
        record(SSL_STATS.vicregVariance, mean(terms.map((x) => x.variance)));
        record(SSL_STATS.vicregCovariance, mean(terms.map((x) => x.covariance)));
        return mean(terms.map((x) => x.loss));
      }
    }
  };

  const afterStep = (context: SslAfterStepContext): void => {
    if (method.target === 'momentum' && method.momentum)
      updateMomentumTarget(params, momentumAt(method.momentum, context.step, spec.steps));
    if (method.loss === 'dino') {
      const mean = context.stats.get(SSL_STATS.teacherMean);
      if (!mean)
        throw new SslStatsError(
          `DINO's afterStep needs the "${SSL_STATS.teacherMean}" statistic that loss() records; the trainer passed none`,
          { name: SSL_STATS.teacherMean, have: [...context.stats.keys()] },
        );
      updateDinoCenter(params.get('dino.center') as tf.Variable, mean, method.centerMomentum);
    }
    const next: Record<string, number> = {};
    for (const [name, value] of context.stats) if (value.size === 1) next[name] = value.dataSync()[0];
    latest = next;
  };

  return {
    params,
    encoder,
    targetEncoder,
    method,
    encoderConfig,
    views,
    stats,
    loss,
    afterStep,
    lastStats: () => ({ ...latest }),
    embed: (clips) => tf.tidy(() => encoder.forward(clips).pooled),
    dispose() {
      for (const v of new Set(params.values())) v.dispose();
      params.clear();
      encoder.params.clear();
      targetEncoder?.params.clear();
    },
  };
}

/** Entry point for data-parallel workers: starts the tfjs backend, then {@link createJointEmbedding}. */
export async function buildModel(spec: JointEmbeddingSpec): Promise<JointEmbeddingModel> {
  await initBackend();
  return createJointEmbedding(spec);
}
