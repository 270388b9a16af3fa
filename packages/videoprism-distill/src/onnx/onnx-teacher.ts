import type { ClipBatch } from '@vfmkit/core';
import { type OnnxSession, openSession, type SessionOptions, tensor } from '@vfmkit/onnx';
import type { NamedWeights } from '@vfmkit/vit-encoder';
import type { VideoTowerConfigInput } from '../config';
import { resolveVideoTower, type VideoTowerConfig } from '../internal/tower';
import type { TeacherTargets } from '../teacher-targets';
import { exportVideoTowerOnnx, type VideoTowerOnnxOptions } from './video-tower-export';

/**
 * The frozen stage-2 teacher on ONNX Runtime: a video tower exported with {@link exportVideoTowerOnnx},
 * giving the teacher's tokens and global embedding for a batch outside the training thread. Measured
 * ~30x faster than the tfjs teacher on this CPU (packages/videoprism-distill/bench/teacher-cost.ts);
 * pass its output to `DistillModel` as the batch entries `teacherTokens` and `teacherEmbedding`.
 */
export class OnnxTeacher {
  private constructor(
    readonly config: VideoTowerConfig,
    private readonly session: OnnxSession,
  ) {}

  /**
   * Exports the tower and opens a session (`device` `'cpu'` unless given).
   * @throws CheckpointError for weights that do not fit the config.
   */
  static async create(
    config: VideoTowerConfigInput | VideoTowerConfig,
    weights: NamedWeights,
    options: SessionOptions & { readonly export?: VideoTowerOnnxOptions } = {},
  ): Promise<OnnxTeacher> {
    const c = resolveVideoTower(config);
    const { export: exportOptions, ...session } = options;
    const bytes = exportVideoTowerOnnx(c, weights, exportOptions);
    return new OnnxTeacher(c, await openSession(bytes, { device: 'cpu', reuseOutputs: false, ...session }));
  }

  /**
   * The teacher's outputs for clips `[B, T, H, W, C]` in [0, 1] (the export's clip size): tokens
   * `[B, N, Dt]` and the global embedding `[B, Dt]` (copies).
   */
  async targets(clips: ClipBatch): Promise<TeacherTargets> {
    const out = await this.session.run({ clips: tensor(clips.data, clips.shape) });
    return {
      tokens: Float32Array.from(out.tokens.data as Float32Array),
      embedding: Float32Array.from(out.embedding.data as Float32Array),
    };
  }

  /** Closes the session. */
  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
