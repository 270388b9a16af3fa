import type { NamedWeights } from '@vfmkit/vit-encoder';
import { type DistillConfig, type DistillConfigInput, parseDistillConfig } from '../config';
import { TeacherMismatchError } from '../errors';
import { resolveVideoTower } from '../internal/tower';
import { isStudentVideo, studentVideoConfig } from './student-video-config';
import { exportStudentVideoOnnx, type StudentVideoOnnxOptions } from './student-video-export';
import {
  readVideoTextModel,
  VIDEO_TEXT_FORMAT,
  type VideoTextManifest,
  type VideoTextModelParts,
  writeVideoTextParts,
} from './video-text-model';

/** What {@link buildStudentVideoTextModel} takes. */
export interface StudentVideoTextSource {
  /**
   * The stage-2 student: its config (`DistillModel.config` or the input it was built from) and weights
   * by name, at least the student ViT's and the `global.*` ones (`DistillModel.studentVideoWeights()`;
   * every model parameter also works, `local.*` and `teacher.*` are ignored).
   */
  readonly student: {
    readonly config: DistillConfigInput | DistillConfig;
    readonly weights: NamedWeights;
  };
  /**
   * The stage-1 model the student was distilled from, in memory (`readVideoTextModel(dir)`): its text
   * tower and tokenizer are reused as they are. Its video tower must be the student's teacher
   * (`config.teacher`).
   */
  readonly teacher: VideoTextModelParts;
  /** Export options of the student's video graph (clip size, weight storage, attention). */
  readonly options?: StudentVideoOnnxOptions;
}

/**
 * A zero-shot video-text model from a stage-2 student, in memory: the student's global path
 * (`exportStudentVideoOnnx`) as the video graph, and the stage-1 teacher's text tower and tokenizer,
 * copied byte for byte. The student's global embedding was trained to predict the teacher's, so it
 * lives in the teacher's video-text space. The manifest says `video.kind: 'student'`; the text config,
 * ids type and temperature are the teacher's. `VideoTextModel.load` takes the result directly,
 * and `videoTextModelFiles(parts, prefix)` gives its files as bytes.
 * @throws TeacherMismatchError when `teacher`'s video tower is not the student's `config.teacher` (or
 *   is itself a student); ConfigError for a student without a global branch; CheckpointError for a
 *   missing or mis-shaped weight.
 */
export function buildStudentVideoTextModel(source: StudentVideoTextSource): VideoTextModelParts {
  const video = studentVideoConfig(source.student.config);
  const teacher = source.teacher.manifest;
  if (teacher.format !== VIDEO_TEXT_FORMAT)
    throw new TeacherMismatchError(`the teacher model is not a ${VIDEO_TEXT_FORMAT} model`, {
      format: teacher.format,
    });
  if (isStudentVideo(teacher.video))
    throw new TeacherMismatchError(
      'the teacher model is itself a distilled student; pass the stage-1 model whose video tower was the teacher',
      { teacherKind: 'student' },
    );
  const expected = resolveVideoTower(parseDistillConfig(source.student.config as never).teacher as never);
  const given = resolveVideoTower(teacher.video);
  if (JSON.stringify(given) !== JSON.stringify(expected))
    throw new TeacherMismatchError(
      `the teacher model's video tower (width ${given.encoder.width}, depth ${given.encoder.depth}) is not the tower this student was distilled from (width ${expected.encoder.width}, depth ${expected.encoder.depth}): its text tower would not share the student's space`,
      { teacher: given, expected },
    );
  const clip = source.options?.clip ?? [
    video.encoder.frames,
    video.encoder.imageSize[0],
    video.encoder.imageSize[1],
  ];
  const manifest: VideoTextManifest = {
    format: VIDEO_TEXT_FORMAT,
    video,
    text: teacher.text,
    embedDim: video.embedDim,
    clip: [clip[0], clip[1], clip[2]],
    idsType: teacher.idsType,
    ...(teacher.temperature !== undefined ? { temperature: teacher.temperature } : {}),
  };
  return {
    manifest,
    video: exportStudentVideoOnnx(video, source.student.weights, source.options),
    text: source.teacher.text,
    tokenizer: source.teacher.tokenizer,
  };
}

/**
 * Writes a student video-text model folder (the files of `writeVideoTextModel`, each atomically, the
 * manifest last): see {@link buildStudentVideoTextModel}. `teacher` may be the stage-1 folder's path;
 * its `text_tower.onnx` and `tokenizer.json` are copied.
 * @throws as {@link buildStudentVideoTextModel}; CheckpointError for an unreadable teacher folder.
 */
export async function writeStudentVideoTextModel(
  dir: string,
  source: Omit<StudentVideoTextSource, 'teacher'> & { readonly teacher: string | VideoTextModelParts },
): Promise<VideoTextModelParts> {
  const teacher =
    typeof source.teacher === 'string' ? await readVideoTextModel(source.teacher) : source.teacher;
  const parts = buildStudentVideoTextModel({ ...source, teacher });
  await writeVideoTextParts(dir, parts);
  return parts;
}
