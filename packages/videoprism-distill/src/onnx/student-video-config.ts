import { CheckpointError, ConfigError, parseConfig } from '@vfmkit/core';
import {
  checkWeights,
  type NamedWeights,
  parseVitConfig,
  type VitConfig,
  type VitConfigInput,
  vitWeightSpecs,
  type WeightSpec,
} from '@vfmkit/vit-encoder';
import { z } from 'zod';
import { type DistillConfig, type DistillConfigInput, parseDistillConfig } from '../config';
import { resolveVideoTower } from '../internal/tower';

/** Layer-norm epsilon of the global branch (nn's `transformerBlock`/`layerNorm`/`attentionPool` default). */
export const STUDENT_GLOBAL_EPS = 1e-6;

/** Sizes of the student's global branch, every default resolved. */
export interface StudentGlobalSize {
  readonly width: number;
  readonly depth: number;
  readonly heads: number;
  /** Hidden size of the blocks' and the pool's MLPs as a multiple of `width`. */
  readonly mlpRatio: number;
}

/**
 * The stage-2 student's global path as a video tower (`kind: 'student'`): the student ViT over every
 * token, then `global.embed` to the branch width, `global.depth` pre-norm blocks, `global.norm`, a
 * one-query attention pool `global.pool` and `global.head` to `embedDim`, the teacher's width (so the
 * embedding lives in the stage-1 video-text space).
 */
export interface StudentVideoConfig {
  readonly kind: 'student';
  /** The student ViT (the same field name as a tower's, so `video.encoder` gives the clip for both kinds). */
  readonly encoder: VitConfig;
  readonly global: StudentGlobalSize;
  /** Output width: the teacher's embedding width. */
  readonly embedDim: number;
}

const positiveInt = z.number().int().positive();
const studentVideoSchema = z
  .object({
    kind: z.literal('student'),
    encoder: z.record(z.string(), z.unknown()),
    global: z
      .object({
        width: positiveInt,
        depth: z.number().int().nonnegative(),
        heads: positiveInt,
        mlpRatio: z.number().positive(),
      })
      .strict(),
    embedDim: positiveInt,
  })
  .strict();

/** Whether a manifest's `video` is a student's global path (otherwise a stage-1 video tower). */
export function isStudentVideo(video: object): video is StudentVideoConfig {
  return (video as { kind?: unknown }).kind === 'student';
}

/**
 * Validates a student video config (e.g. read from a manifest).
 * @throws ConfigError naming the offending key.
 */
export function resolveStudentVideo(
  input: StudentVideoConfig | (Omit<StudentVideoConfig, 'encoder'> & { encoder: VitConfigInput }),
): StudentVideoConfig {
  const parsed = parseConfig(studentVideoSchema, input, 'student video config');
  const encoder = parseVitConfig(parsed.encoder as never);
  if (parsed.global.width % parsed.global.heads !== 0)
    throw new ConfigError(
      `global heads ${parsed.global.heads} do not divide the global width ${parsed.global.width}`,
      { key: 'global.heads', value: parsed.global.heads },
    );
  return { kind: 'student', encoder, global: { ...parsed.global }, embedDim: parsed.embedDim };
}

/**
 * The student video config of a stage-2 config: the student ViT, the global branch's sizes (unset
 * width/heads = the student's) and the teacher's width.
 * @throws ConfigError for an invalid config or one without a global branch (`globalLoss: false`).
 */
export function studentVideoConfig(config: DistillConfigInput | DistillConfig): StudentVideoConfig {
  const c = parseDistillConfig(config as DistillConfigInput);
  if (!c.globalLoss)
    throw new ConfigError(
      'this student was trained without the global branch (globalLoss: false): it has no global embedding in the video-text space',
      { key: 'globalLoss', value: false },
    );
  const encoder = parseVitConfig(c.student as never);
  const teacher = resolveVideoTower(c.teacher as never);
  return resolveStudentVideo({
    kind: 'student',
    encoder,
    global: {
      width: c.global.width ?? encoder.width,
      depth: c.global.depth,
      heads: c.global.heads ?? encoder.heads,
      mlpRatio: c.global.mlpRatio,
    },
    embedDim: teacher.encoder.width,
  });
}

/** Hidden size of the global branch's MLPs (nn's `Math.round(width * mlpRatio)`). */
export function studentGlobalHidden(config: StudentVideoConfig): number {
  return Math.round(config.global.width * config.global.mlpRatio);
}

/**
 * Names and shapes of the student video path's weights: the student ViT's (`vitWeightSpecs`), then
 * `global.embed`, `global.blocks.{i}.*`, `global.norm`, `global.pool.*` (one query) and `global.head`
 * (linear weights `[OUT, IN]`), the names `DistillModel` gives them.
 */
export function studentVideoWeightSpecs(config: StudentVideoConfig): WeightSpec[] {
  const d = config.encoder.width;
  const gw = config.global.width;
  const h = studentGlobalHidden(config);
  const specs: [string, number[]][] = [
    ['embed.weight', [gw, d]],
    ['embed.bias', [gw]],
  ];
  const linear = (name: string, out: number, inp: number) => {
    specs.push([`${name}.weight`, [out, inp]], [`${name}.bias`, [out]]);
  };
  const norm = (name: string) => {
    specs.push([`${name}.weight`, [gw]], [`${name}.bias`, [gw]]);
  };
  for (let i = 0; i < config.global.depth; i++) {
    const b = `blocks.${i}`;
    norm(`${b}.norm1`);
    linear(`${b}.attn.qkv`, 3 * gw, gw);
    linear(`${b}.attn.proj`, gw, gw);
    norm(`${b}.norm2`);
    linear(`${b}.mlp.fc1`, h, gw);
    linear(`${b}.mlp.fc2`, gw, h);
  }
  norm('norm');
  specs.push(['pool.latent', [1, 1, gw]]);
  linear('pool.q', gw, gw);
  linear('pool.kv', 2 * gw, gw);
  linear('pool.proj', gw, gw);
  norm('pool.norm');
  linear('pool.mlp.fc1', h, gw);
  linear('pool.mlp.fc2', gw, h);
  linear('head', config.embedDim, gw);
  return [
    ...vitWeightSpecs(config.encoder),
    ...specs.map(([name, shape]) => ({ name: `global.${name}`, shape }) as WeightSpec),
  ];
}

/**
 * The student video path's weights out of a larger set (e.g. every `DistillModel` parameter: the
 * `local.*` and `teacher.*` weights are left out), checked against {@link studentVideoWeightSpecs}.
 * @throws CheckpointError naming a missing or mis-shaped weight.
 */
export function selectStudentVideoWeights(config: StudentVideoConfig, weights: NamedWeights): NamedWeights {
  const specs = studentVideoWeightSpecs(config);
  const out: NamedWeights = new Map();
  for (const spec of specs) {
    const w = weights.get(spec.name);
    if (!w)
      throw new CheckpointError(
        `missing weight '${spec.name}' of the student's global path (pass the student ViT and global.* weights)`,
        { key: spec.name },
      );
    out.set(spec.name, w);
  }
  checkWeights(out, specs);
  return out;
}
