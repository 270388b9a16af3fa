import type { NamedWeights, VitConfig } from '@vfmkit/vit-encoder';
import { TeacherMismatchError } from '../errors';
import { loadVideoTowerCheckpointSync, type VideoTowerConfig } from '../internal/tower';
import { VideoTower } from './video-tower';

/**
 * Where the frozen teacher's weights come from: in memory, a tower checkpoint written by
 * `saveVideoTowerCheckpoint` (stage 1's artifact; its config must equal `config.teacher`), or a seed (a
 * random teacher, for tests and smoke runs).
 */
export type TeacherSource =
  | { readonly weights: NamedWeights }
  | { readonly checkpoint: string }
  | { readonly seed: number };

/** @throws TeacherMismatchError when the teacher's clip shape, tubelet or channels differ from the student's. */
export function checkTeacherFits(student: VitConfig, teacher: VideoTowerConfig): void {
  const t = teacher.encoder;
  const fields = ['frames', 'imageSize', 'tubelet', 'channels'] as const;
  for (const f of fields) {
    if (JSON.stringify(student[f]) !== JSON.stringify(t[f]))
      throw new TeacherMismatchError(
        `the teacher's ${f} ${JSON.stringify(t[f])} differs from the student's ${JSON.stringify(student[f])}: its tokens would not line up`,
        { key: f, student: student[f], teacher: t[f] },
      );
  }
}

/**
 * The frozen stage-2 teacher from its source.
 * @throws TeacherMismatchError when a checkpoint holds another tower or the weights do not fit `config`.
 */
export function loadTeacher(config: VideoTowerConfig, source: TeacherSource): VideoTower {
  if ('seed' in source) return VideoTower.create(config, source.seed);
  let weights: NamedWeights;
  if ('checkpoint' in source) {
    const file = loadVideoTowerCheckpointSync(source.checkpoint);
    if (JSON.stringify(file.config) !== JSON.stringify(config))
      throw new TeacherMismatchError(
        `the teacher checkpoint ${source.checkpoint} holds a different tower than config.teacher`,
        { checkpoint: source.checkpoint, checkpointConfig: file.config, expected: config },
      );
    weights = file.weights;
  } else weights = source.weights;
  try {
    return VideoTower.create(config, weights);
  } catch (cause) {
    throw new TeacherMismatchError(
      `the teacher weights do not fit config.teacher (width ${config.encoder.width}, depth ${config.encoder.depth}): ${(cause as Error).message}`,
      { width: config.encoder.width, depth: config.encoder.depth, cause },
    );
  }
}
