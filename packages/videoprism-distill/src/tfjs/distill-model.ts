import { type ClipBatch, ConfigError, ShapeError, type TokenGrid, tokenCount, toRng } from '@vfmkit/core';
import {
  addParam,
  attentionPool,
  createParams,
  dense,
  gatherRows,
  initAttentionPool,
  initBackend,
  initDense,
  initLayerNorm,
  initTransformerBlock,
  layerNorm,
  type Params,
  type StepContext,
  type TrainableModel,
  tf,
  transformerBlock,
  truncNormal,
} from '@vfmkit/nn';
import { type NamedWeights, parseVitConfig, type VitConfig, vitTokenGrid } from '@vfmkit/vit-encoder';
import { VitModel } from '@vfmkit/vit-encoder/tfjs';
import { type DistillConfig, type DistillConfigInput, parseDistillConfig } from '../config';
import { resolveVideoTower } from '../internal/tower';
import { invertOrder } from '../masks';
import type { TeacherTargets } from '../teacher-targets';

export type { TeacherTargets } from '../teacher-targets';

import { embeddingStd, gatherTokensPerRow } from './internal/ops';
import { cosineDistanceLoss } from './losses';
import { checkTeacherFits, loadTeacher, type TeacherSource } from './teacher';
import { POOL_EPS, type VideoTower } from './video-tower';

/** Everything needed to build the same stage-2 model in any thread (structured-clone-able). */
export interface DistillModelSpec {
  readonly config: DistillConfigInput;
  readonly teacher: TeacherSource;
}

/** The statistics `loss()` records (scalars, batch means). */
export const DISTILL_STATS = {
  /** Local branch: cosine distance to the teacher's tokens. */
  localLoss: 'distill.localLoss',
  /** Local branch: mean cosine similarity to the teacher's tokens (1 - localLoss). */
  localCos: 'distill.localCos',
  /** Global branch: cosine distance to the teacher's global embedding (when `globalLoss` is on). */
  globalLoss: 'distill.globalLoss',
  globalCos: 'distill.globalCos',
  /** Collapse signal: std over the batch of the student's L2-normalised mean token. */
  studentStd: 'distill.studentStd',
} as const;

/** Resolved decoder sizes. */
interface DecoderSize {
  readonly width: number;
  readonly depth: number;
  readonly heads: number;
  readonly mlpRatio: number;
}

/** What one forward pass of the two branches gives (tensors). */
export interface DistillOutputs {
  /** `[B, N, Dt]` local predictions in the order `[visible_b..., masked_b...]` of each row. */
  readonly local: tf.Tensor3D;
  /** `[B, N, Dt]` the teacher's tokens in the same order. */
  readonly localTarget: tf.Tensor3D;
  /** `[B, Dt]` global prediction (absent with `globalLoss` off). */
  readonly global?: tf.Tensor2D;
  /** `[B, Dt]` the teacher's global embedding. */
  readonly globalTarget: tf.Tensor2D;
  /** `[B, K, D]` the student's visible tokens. */
  readonly student: tf.Tensor3D;
}

/**
 * The masks of one stage-2 batch as flat arrays (see `distillMasks` in the root entry): `visible`
 * `[B, K]`, `masked` `[B, M]`, and the local decoder's input order `[B, N]` (unset = no shuffle).
 */
export interface DistillBatchMasks {
  readonly visible: Int32Array;
  readonly masked: Int32Array;
  readonly order?: Int32Array;
}

/**
 * VideoPrism stage 2, masked global-local distillation, as a `@vfmkit/nn` TrainableModel. The student
 * ViT sees only the visible tokens of a BEVT block mask (ratio 0.65). Two branches read its tokens:
 * - local: the visible tokens (projected to the decoder width) plus a learned mask token at every
 *   hidden position, each with the decoder's learned position embedding of its token, are put in a
 *   random order per clip (the batch's `order`, masking's `tokenShuffleBatch`), run through the local
 *   decoder (4 pre-norm blocks), put back in their order exactly (the inverse permutation), normed and
 *   projected to the teacher's width; loss = cosine distance to the frozen teacher's token embeddings
 *   at the same positions, over all N tokens.
 * - global: the visible tokens only (no shuffle, no position embedding) through the global decoder,
 *   a norm, attention pooling with one query and a projection; loss = cosine distance to the teacher's
 *   global embedding.
 * Loss = `localWeight x local + globalWeight x global` (1 and 1: equal weights). The teacher (a stage-1
 * video tower) sees the whole clip, in tfjs, with frozen weights kept as non-trainable params
 * `teacher.*` (checkpointed with the model, so a resume needs no teacher file).
 *
 * A note on shuffling: the decoder's blocks are permutation-equivariant (no term depends on a token's
 * slot in the sequence: positions enter only through the per-token embeddings added before the
 * shuffle), so with `shuffleMode: 'tokens'` shuffle then unshuffle changes the local predictions only
 * by floating-point rounding. `shuffleMode: 'content'` permutes only the visible tokens' content among
 * the visible slots (each slot keeps the position embedding of the token it predicts; no unshuffle),
 * which does change what the decoder must do.
 *
 * Parameter names: the student's ViT names (`patch_embed.weight`, `blocks.0.attn.qkv.weight`, ...),
 * `local.*`, `global.*`, `teacher.*` (non-trainable).
 */
export class DistillModel implements TrainableModel {
  readonly params: Params;
  readonly stats: Readonly<Record<string, readonly number[]>>;
  private readonly localSize: DecoderSize;
  private readonly globalSize: DecoderSize;

  private constructor(
    readonly config: DistillConfig,
    readonly studentConfig: VitConfig,
    readonly student: VitModel,
    readonly teacher: VideoTower,
    own: Params,
  ) {
    const w = studentConfig.width;
    const size = (d: DistillConfig['local']): DecoderSize => ({
      width: d.width ?? w,
      depth: d.depth,
      heads: d.heads ?? studentConfig.heads,
      mlpRatio: d.mlpRatio,
    });
    this.localSize = size(config.local);
    this.globalSize = size(config.global);
    this.params = new Map(student.params);
    for (const [name, v] of own) this.params.set(name, v);
    for (const [name, v] of teacher.params) {
      v.trainable = false;
      this.params.set(`teacher.${name}`, v);
    }
    const stats: Record<string, number[]> = {
      [DISTILL_STATS.localLoss]: [],
      [DISTILL_STATS.localCos]: [],
      [DISTILL_STATS.studentStd]: [],
    };
    if (config.globalLoss) {
      stats[DISTILL_STATS.globalLoss] = [];
      stats[DISTILL_STATS.globalCos] = [];
    }
    this.stats = stats;
  }

  /**
   * Builds the student (random weights from `config.seed`), the two heads and the frozen teacher.
   * Call `await initBackend()` first (or use {@link buildDistillModel}).
   * @throws ConfigError for an invalid config; TeacherMismatchError when the teacher does not fit the
   *   student (clip shape, tubelet, channels) or its weights do not fit `config.teacher`.
   */
  static create(spec: DistillModelSpec): DistillModel {
    const config = parseDistillConfig(spec.config);
    const studentConfig = parseVitConfig(config.student as never);
    const teacherConfig = resolveVideoTower(config.teacher as never);
    checkTeacherFits(studentConfig, teacherConfig);
    const heads = (name: string, width: number, h: number | undefined) => {
      const v = h ?? studentConfig.heads;
      if (width % v !== 0)
        throw new ConfigError(`${name} heads ${v} do not divide its width ${width}`, {
          key: `${name}.heads`,
          value: v,
        });
    };
    const lw = config.local.width ?? studentConfig.width;
    const gw = config.global.width ?? studentConfig.width;
    heads('local', lw, config.local.heads);
    heads('global', gw, config.global.heads);
    const teacher = loadTeacher(teacherConfig, spec.teacher);
    const rng = toRng(config.seed);
    const student = VitModel.create(studentConfig, rng.fork());
    const own = createParams();
    const n = tokenCount(vitTokenGrid(studentConfig));
    const dt = teacherConfig.encoder.width;
    const d = studentConfig.width;
    const lr = toRng(config.seed + 1);
    initDense(own, 'local.embed', d, lw, lr.fork());
    addParam(own, 'local.mask_token', truncNormal([1, 1, lw], 0.02, lr.fork()));
    addParam(own, 'local.pos_embed', truncNormal([n, lw], 0.02, lr.fork()));
    for (let i = 0; i < config.local.depth; i++)
      initTransformerBlock(own, `local.blocks.${i}`, lw, lr.fork(), config.local.mlpRatio);
    initLayerNorm(own, 'local.norm', lw);
    initDense(own, 'local.head', lw, dt, lr.fork());
    if (config.globalLoss) {
      const gr = toRng(config.seed + 2);
      initDense(own, 'global.embed', d, gw, gr.fork());
      for (let i = 0; i < config.global.depth; i++)
        initTransformerBlock(own, `global.blocks.${i}`, gw, gr.fork(), config.global.mlpRatio);
      initLayerNorm(own, 'global.norm', gw);
      initAttentionPool(own, 'global.pool', gw, 1, gr.fork(), config.global.mlpRatio);
      initDense(own, 'global.head', gw, dt, gr.fork());
    }
    return new DistillModel(config, studentConfig, student, teacher, own);
  }

  /** The training token grid (the student's and the teacher's). */
  get grid(): TokenGrid {
    return vitTokenGrid(this.studentConfig);
  }

  private checkMasks(
    clips: ClipBatch,
    masks: DistillBatchMasks,
  ): { k: number; m: number; order?: Int32Array } {
    const b = clips.shape[0];
    const grid = this.grid;
    const n = tokenCount(grid);
    const [, t, h, w] = clips.shape;
    const c = this.studentConfig;
    if (t !== c.frames || h !== c.imageSize[0] || w !== c.imageSize[1])
      throw new ShapeError(
        `clips [${clips.shape.join(', ')}] must be [B, ${c.frames}, ${c.imageSize[0]}, ${c.imageSize[1]}, ${c.channels}] (the training clip of student and teacher)`,
        {
          name: 'clips',
          expected: [b, c.frames, c.imageSize[0], c.imageSize[1], c.channels],
          actual: [...clips.shape],
        },
      );
    const k = masks.visible.length / b;
    const m = masks.masked.length / b;
    if (!Number.isInteger(k) || !Number.isInteger(m) || k + m !== n || k === 0)
      throw new ShapeError(
        `visible [B, K] and masked [B, M] must split the ${n} tokens of each of ${b} clips`,
        {
          name: 'visible',
          expected: [b, 'K'],
          actual: [masks.visible.length, masks.masked.length],
        },
      );
    // Each row: visible and masked together must be a permutation of 0..N-1.
    const seen = new Uint8Array(n);
    for (let r = 0; r < b; r++) {
      seen.fill(0);
      const ids = [
        ...masks.visible.subarray(r * k, (r + 1) * k),
        ...masks.masked.subarray(r * m, (r + 1) * m),
      ];
      for (const id of ids) {
        if (!(id >= 0 && id < n) || seen[id])
          throw new ShapeError(
            `row ${r}: visible and masked must hold each token id 0..${n - 1} once (got ${id} again or out of range)`,
            {
              name: 'masked',
              expected: [b, m],
              actual: [masks.masked.length],
            },
          );
        seen[id] = 1;
      }
    }
    if (!this.config.shuffle || !masks.order) return { k, m };
    if (masks.order.length !== b * n)
      throw new ShapeError(`order must be [${b}, ${n}], got ${masks.order.length} ids`, {
        name: 'order',
        expected: [b, n],
        actual: [masks.order.length],
      });
    return { k, m, order: masks.order };
  }

  /** The teacher's outputs as tensors: precomputed ones (checked) or a tfjs forward of the whole clip. */
  private teacherOutputs(
    clips: ClipBatch,
    given?: TeacherTargets,
  ): { tokens: tf.Tensor3D; embedding: tf.Tensor2D } {
    if (!given)
      return tf.tidy(() => {
        const out = this.teacher.forward(clips);
        return { tokens: out.tokens, embedding: out.embedding };
      });
    const b = clips.shape[0];
    const n = tokenCount(this.grid);
    const dt = this.teacher.width;
    if (given.tokens.length !== b * n * dt || given.embedding.length !== b * dt)
      throw new ShapeError(
        `teacher targets must be tokens [${b}, ${n}, ${dt}] and embedding [${b}, ${dt}], got ${given.tokens.length} and ${given.embedding.length} values`,
        { name: 'teacherTokens', expected: [b, n, dt], actual: [given.tokens.length] },
      );
    return {
      tokens: tf.tensor3d(given.tokens, [b, n, dt]),
      embedding: tf.tensor2d(given.embedding, [b, dt]),
    };
  }

  /**
   * Both branches and their targets. Call inside `tf.tidy` or a gradient scope.
   * @param clips `[B, T, H, W, C]` in [0, 1], the training clip shape.
   * @param options.teacher the teacher's outputs computed elsewhere (e.g. `OnnxTeacher` from `/onnx`);
   *   unset = the tfjs teacher runs here.
   */
  forward(
    clips: ClipBatch,
    masks: DistillBatchMasks,
    options: { training?: boolean; seed?: number; teacher?: TeacherTargets } = {},
  ): DistillOutputs {
    const { k, m, order } = this.checkMasks(clips, masks);
    const b = clips.shape[0];
    const n = k + m;
    // The teacher: frozen, whole clip, outside any gradient path.
    const teacherOut = this.teacherOutputs(clips, options.teacher);
    const rowIds = new Int32Array(b * n);
    for (let r = 0; r < b; r++) {
      rowIds.set(masks.visible.subarray(r * k, (r + 1) * k), r * n);
      rowIds.set(masks.masked.subarray(r * m, (r + 1) * m), r * n + k);
    }
    const localTarget = tf.tidy(() => gatherTokensPerRow(teacherOut.tokens, rowIds));
    teacherOut.tokens.dispose();
    const student = this.student.forward(clips, {
      visible: masks.visible,
      training: options.training,
      seed: options.seed,
      layers: [],
    }).tokens;
    const p = this.params;
    // Local branch.
    const ls = this.localSize;
    const pos = p.get('local.pos_embed') as tf.Variable<tf.Rank.R2>;
    const content = order && this.config.shuffleMode === 'content';
    let visContent = dense(p, 'local.embed', student) as tf.Tensor3D;
    if (content) visContent = shuffleTokens(visContent, visibleOrder(order, b, k));
    const vis = tf.add(visContent, gatherRows(pos, tf.tensor2d(masks.visible, [b, k], 'int32')));
    const holes = tf.add(
      gatherRows(pos, tf.tensor2d(masks.masked, [b, m], 'int32')),
      p.get('local.mask_token') as tf.Variable,
    );
    let x = tf.concat([vis, holes], 1) as tf.Tensor3D;
    const tokens = order && !content;
    if (tokens) x = shuffleTokens(x, order);
    for (let i = 0; i < ls.depth; i++)
      x = transformerBlock(p, `local.blocks.${i}`, x, { heads: ls.heads }) as tf.Tensor3D;
    if (tokens) x = unshuffleTokens(x, order);
    const local = dense(p, 'local.head', layerNorm(p, 'local.norm', x, 1e-6)) as tf.Tensor3D;
    // Global branch.
    const global = this.config.globalLoss ? this.globalBranch(student) : undefined;
    return { local, localTarget, global, globalTarget: teacherOut.embedding, student };
  }

  /**
   * The global branch over student tokens: `global.embed`, the global blocks, `global.norm`, one-query
   * attention pooling and `global.head`.
   * @param student `[B, K, D]` the student's tokens
   * @returns `[B, Dt]`
   */
  private globalBranch(student: tf.Tensor3D): tf.Tensor2D {
    const p = this.params;
    const gs = this.globalSize;
    const b = student.shape[0];
    let g = dense(p, 'global.embed', student) as tf.Tensor3D;
    for (let i = 0; i < gs.depth; i++)
      g = transformerBlock(p, `global.blocks.${i}`, g, { heads: gs.heads }) as tf.Tensor3D;
    const pooled = attentionPool(p, 'global.pool', layerNorm(p, 'global.norm', g, 1e-6), {
      heads: gs.heads,
      eps: POOL_EPS,
    });
    return dense(p, 'global.head', tf.reshape(pooled, [b, gs.width])) as tf.Tensor2D;
  }

  /**
   * The student's global embedding at inference: the student ViT sees EVERY token (no mask), then the
   * global branch. It predicts the teacher's global embedding, so it lives in the stage-1 video-text
   * space (pair it with the teacher's text tower; see `buildStudentVideoTextModel` in `/onnx`).
   * @param clips `[B, T, H, W, C]` in [0, 1], the training clip shape
   * @returns `[B, Dt]` NOT normalised (dispose it)
   * @throws ConfigError when the model has no global branch (`globalLoss: false`); ShapeError for a
   *   clip of another size.
   */
  embedVideo(clips: ClipBatch): tf.Tensor2D {
    if (!this.config.globalLoss)
      throw new ConfigError('this student has no global branch (globalLoss: false)', {
        key: 'globalLoss',
        value: false,
      });
    const [b, t, h, w, c] = clips.shape;
    const s = this.studentConfig;
    if (t !== s.frames || h !== s.imageSize[0] || w !== s.imageSize[1] || c !== s.channels || b < 1)
      throw new ShapeError(
        `clips [${clips.shape.join(', ')}] must be [B, ${s.frames}, ${s.imageSize[0]}, ${s.imageSize[1]}, ${s.channels}]`,
        {
          name: 'clips',
          expected: ['B', s.frames, s.imageSize[0], s.imageSize[1], s.channels],
          actual: [...clips.shape],
        },
      );
    return tf.tidy(() => this.globalBranch(this.student.forward(clips, { layers: [] }).tokens));
  }

  /**
   * The weights of the student's global path by name (copies): the student ViT's and every `global.*`
   * weight, what `/onnx`'s `exportStudentVideoOnnx` and `buildStudentVideoTextModel` take.
   * @throws ConfigError when the model has no global branch.
   */
  async studentVideoWeights(): Promise<NamedWeights> {
    if (!this.config.globalLoss)
      throw new ConfigError('this student has no global branch (globalLoss: false)', {
        key: 'globalLoss',
        value: false,
      });
    const out = await this.student.weights();
    for (const [name, v] of this.params)
      if (name.startsWith('global.'))
        out.set(name, { shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) });
    return out;
  }

  /**
   * The stage-2 loss of one batch. `batch`: `clips` `[B, T, H, W, 3]` float32 in [0, 1]; `visible`
   * `[B, K]` int32; `masked` `[B, M]` int32; `order` `[B, N]` int32 (the local decoder's input order;
   * ignored with `shuffle` off). Optionally the teacher's outputs computed outside the training thread
   * (e.g. by `OnnxTeacher` on ONNX Runtime): `teacherTokens` `[B, N, Dt]` and `teacherEmbedding`
   * `[B, Dt]` float32; without them the frozen tfjs teacher runs here. Records {@link DISTILL_STATS}.
   * @throws ShapeError for a missing entry or masks that do not split the tokens.
   */
  loss(
    batch: Record<string, tf.Tensor>,
    context: Pick<StepContext, 'step' | 'worker'> & { record?: StepContext['record'] },
  ): tf.Scalar {
    for (const key of ['clips', 'visible', 'masked'])
      if (!batch[key])
        throw new ShapeError(
          `the stage-2 batch has no "${key}" (keys: ${Object.keys(batch).join(', ') || 'none'})`,
          {
            name: key,
            expected: [],
            actual: [],
          },
        );
    const clips: ClipBatch = {
      data: batch.clips.dataSync() as Float32Array,
      shape: batch.clips.shape as ClipBatch['shape'],
    };
    const masks: DistillBatchMasks = {
      visible: batch.visible.dataSync() as Int32Array,
      masked: batch.masked.dataSync() as Int32Array,
      order: batch.order ? (batch.order.dataSync() as Int32Array) : undefined,
    };
    const teacher =
      batch.teacherTokens && batch.teacherEmbedding
        ? {
            tokens: batch.teacherTokens.dataSync() as Float32Array,
            embedding: batch.teacherEmbedding.dataSync() as Float32Array,
          }
        : undefined;
    const out = this.forward(clips, masks, {
      training: true,
      seed: context.step * 1009 + context.worker,
      teacher,
    });
    const record = (name: string, v: tf.Tensor) => context.record?.(name, v);
    const localLoss = cosineDistanceLoss(out.local, out.localTarget);
    record(DISTILL_STATS.localLoss, localLoss);
    record(DISTILL_STATS.localCos, tf.sub(1, localLoss));
    record(DISTILL_STATS.studentStd, embeddingStd(tf.mean(out.student, 1) as tf.Tensor2D));
    let total = tf.mul(localLoss, this.config.localWeight) as tf.Scalar;
    if (out.global) {
      const globalLoss = cosineDistanceLoss(out.global, out.globalTarget);
      record(DISTILL_STATS.globalLoss, globalLoss);
      record(DISTILL_STATS.globalCos, tf.sub(1, globalLoss));
      total = tf.add(total, tf.mul(globalLoss, this.config.globalWeight)) as tf.Scalar;
    }
    return total;
  }

  /**
   * Mean cosine similarity of the predictions to the teacher (no gradient): `local` over all tokens,
   * `global` over clips (NaN with the global loss off).
   */
  teacherCosine(clips: ClipBatch, masks: DistillBatchMasks): { local: number; global: number } {
    return tf.tidy(() => {
      const out = this.forward(clips, masks);
      const local = 1 - cosineDistanceLoss(out.local, out.localTarget).dataSync()[0];
      const global = out.global
        ? 1 - cosineDistanceLoss(out.global, out.globalTarget).dataSync()[0]
        : Number.NaN;
      return { local, global };
    });
  }

  /** The student encoder's weights by ViT name (for `saveVitCheckpoint` and the ONNX export). */
  async studentWeights(): Promise<NamedWeights> {
    return this.student.weights();
  }

  /** Frees every variable (student, heads and teacher). */
  dispose(): void {
    for (const v of new Set(this.params.values())) v.dispose();
    this.params.clear();
    this.student.params.clear();
    this.teacher.params.clear();
  }
}

/**
 * The permutation of the K visible slots that a `[B, N]` order induces (`shuffleMode: 'content'`): the
 * entries `< K` of each row, in the order they appear.
 */
function visibleOrder(order: Int32Array, b: number, k: number): Int32Array {
  const n = order.length / b;
  const out = new Int32Array(b * k);
  for (let r = 0; r < b; r++) {
    let j = 0;
    for (let i = 0; i < n; i++) if (order[r * n + i] < k) out[r * k + j++] = order[r * n + i];
  }
  return out;
}

/**
 * The local decoder's shuffle: `out[b, j] = x[b, order[b, j]]` (a per-row gather, exact).
 * @param x `[B, N, D]`
 * @param order `[B, N]` int32, each row a permutation of 0..N-1
 * @throws ShapeError when a row of `order` is not a permutation.
 */
export function shuffleTokens(x: tf.Tensor3D, order: Int32Array): tf.Tensor3D {
  invertOrder(order, x.shape[0]);
  return gatherTokensPerRow(x, order);
}

/**
 * The exact inverse of {@link shuffleTokens} with the same `order`: `out[b, order[b, j]] = y[b, j]`.
 * @param y `[B, N, D]` shuffled tokens
 */
export function unshuffleTokens(y: tf.Tensor3D, order: Int32Array): tf.Tensor3D {
  return gatherTokensPerRow(y, invertOrder(order, y.shape[0]));
}

/** {@link DistillModel.create} after starting the tfjs backend: the entry point of data-parallel workers. */
export async function buildDistillModel(spec: DistillModelSpec): Promise<DistillModel> {
  await initBackend();
  return DistillModel.create(spec);
}
