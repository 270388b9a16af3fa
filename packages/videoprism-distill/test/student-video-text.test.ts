import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError, type ClipBatch, ConfigError, Rng, ShapeError, tokenCount } from '@vfmkit/core';
import { initBackend, tf } from '@vfmkit/nn';
import { openSession, tensor } from '@vfmkit/onnx';
import type { NamedWeights } from '@vfmkit/vit-encoder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TextTokenizer, type VideoTowerConfigInput } from '../src/index';
import {
  buildStudentVideoTextModel,
  buildVideoTextModel,
  exportStudentVideoOnnx,
  readVideoTextModel,
  VIDEO_TEXT_FILES,
  VideoTextModel,
  type VideoTextModelParts,
  videoTextModelFiles,
  writeStudentVideoTextModel,
  writeVideoTextModel,
} from '../src/onnx/index';
import { ContrastiveModel, DistillModel, TextTransformer, VideoTower } from '../src/tfjs/index';
import { TeacherMismatchError, WORDS } from './helpers';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: null });
});

const teacherVit = {
  width: 32,
  depth: 2,
  heads: 2,
  mlpDim: 64,
  frames: 4,
  imageSize: [32, 32],
  tubelet: [2, 8, 8],
} as const;
const videoConfig = { encoder: teacherVit } as unknown as VideoTowerConfigInput;
const textConfig = { vocabSize: WORDS.length + 1, maxLength: 6, width: 24, depth: 1, heads: 2, embedDim: 32 };
/** The student is narrower than its teacher; its global branch is wider, with its own heads and MLP ratio. */
const studentVit = { ...teacherVit, width: 24, heads: 2, mlpDim: 48 };
const globalBranch = { width: 48, depth: 2, heads: 4, mlpRatio: 2 };
const TOKENIZER = {
  model: {
    type: 'WordPiece',
    unk_token: '[UNK]',
    continuing_subword_prefix: '##',
    max_input_chars_per_word: 100,
    vocab: Object.fromEntries([...WORDS, '[UNK]'].map((w, i) => [w, i])),
  },
  pre_tokenizer: { type: 'WhitespaceSplit' },
};
const N = tokenCount({ t: 2, h: 4, w: 4 });

/** Weights perturbed away from the 0.02 init, so attention and pooling are not near-uniform. */
function live(w: NamedWeights, seed: number): NamedWeights {
  const rng = new Rng(seed);
  for (const [name, v] of w)
    if (!/norm\d?\.weight$/.test(name))
      for (let i = 0; i < v.data.length; i++) v.data[i] += 0.05 * rng.normal();
  return w;
}

function clipsOf(b: number, seed: number): ClipBatch {
  const rng = new Rng(seed);
  const data = new Float32Array(b * 4 * 32 * 32 * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform();
  return { data, shape: [b, 4, 32, 32, 3] };
}

function maxErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e;
}

/** Rows scaled to unit length in float64 (written here, not the package's normalisation). */
function normRows(x: number[][]): number[] {
  return x.flatMap((r) => {
    const n = Math.sqrt(r.reduce((s, v) => s + v * v, 0));
    return r.map((v) => v / n);
  });
}

function paramsOf(model: DistillModel): NamedWeights {
  const out: NamedWeights = new Map();
  for (const [name, v] of model.params)
    out.set(name, { shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) });
  return out;
}

describe('the stage-2 student as a zero-shot video-text model', () => {
  let root: string;
  let teacherDir: string;
  let stage1: ContrastiveModel;
  let student: DistillModel;
  const tokenizer = TextTokenizer.fromJSON(TOKENIZER);

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'vp-student-'));
    teacherDir = join(root, 'teacher');
    stage1 = ContrastiveModel.create(
      { config: { video: videoConfig, text: textConfig } },
      {
        video: live(VideoTower.create(videoConfig, 1).weights(), 2),
        text: live(TextTransformer.create(textConfig, 3).weights(), 4),
        // (create takes the log of this value: it is the temperature itself)
        temperature: 0.05,
      },
    );
    await writeVideoTextModel(teacherDir, {
      video: { config: stage1.video.config, weights: stage1.video.weights() },
      text: { config: stage1.text.config, weights: stage1.text.weights() },
      tokenizer,
      temperature: stage1.temperature,
    });
    student = DistillModel.create({
      config: {
        student: studentVit,
        teacher: stage1.video.config,
        local: { depth: 1 },
        global: globalBranch,
      },
      teacher: { weights: stage1.video.weights() },
    });
    // Move the student and both heads away from their init (the teacher stays as stage 1 left it).
    const rng = new Rng(11);
    for (const [name, v] of student.params)
      if (!name.startsWith('teacher.') && !/norm\d?\.weight$/.test(name)) {
        const noise = new Float32Array(v.size);
        for (let i = 0; i < noise.length; i++) noise[i] = 0.05 * rng.normal();
        v.assign(tf.tidy(() => tf.add(v, tf.tensor(noise, v.shape))));
      }
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    stage1.dispose();
    student.dispose();
  });

  it('DistillModel.embedVideo is the training global branch with every token visible', () => {
    const clips = clipsOf(2, 5);
    const visible = new Int32Array(2 * N);
    for (let r = 0; r < 2; r++) for (let i = 0; i < N; i++) visible[r * N + i] = i;
    const viaForward = tf.tidy(
      () => student.forward(clips, { visible, masked: new Int32Array(0) }).global?.arraySync() as number[][],
    );
    const e = student.embedVideo(clips);
    expect(e.shape).toEqual([2, 32]);
    const err = maxErr(e.dataSync(), viaForward.flat());
    console.log(`embedVideo vs forward (all visible): max abs ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-5);
    e.dispose();
    const short: ClipBatch = { data: new Float32Array(2 * 32 * 32 * 3), shape: [1, 2, 32, 32, 3] };
    expect(() => student.embedVideo(short)).toThrow(ShapeError);
  });

  for (const attention of ['matmul', 'fused'] as const) {
    it(`the ONNX student video graph matches DistillModel.embedVideo to 1e-4 (${attention} attention)`, async () => {
      const clips = clipsOf(3, 9);
      const want = student.embedVideo(clips);
      const bytes = exportStudentVideoOnnx(student.config, await student.studentVideoWeights(), {
        attention,
      });
      const session = await openSession(bytes, { device: 'cpu' });
      const out = await session.run({ clips: tensor(clips.data, clips.shape) });
      expect(out.embedding.dims).toEqual([3, 32]);
      expect(out.tokens.dims).toEqual([3, N, 24]);
      const ref = want.dataSync();
      const err = maxErr(out.embedding.data as Float32Array, ref);
      const scale = Math.max(...Array.from(ref, Math.abs));
      console.log(
        `student video ONNX (${attention}) vs tfjs: max abs error ${err.toExponential(2)} (max |embedding| ${scale.toFixed(2)})`,
      );
      expect(scale).toBeGreaterThan(0.1);
      expect(err).toBeLessThan(1e-4);
      want.dispose();
      await session.dispose();
    });
  }

  it('a student folder embeds video like the tfjs student and text like its teacher', async () => {
    const dir = join(root, 'student');
    await writeStudentVideoTextModel(dir, {
      student: { config: student.config, weights: await student.studentVideoWeights() },
      teacher: teacherDir,
    });
    // The teacher's text tower and tokenizer are copied byte for byte.
    for (const f of [VIDEO_TEXT_FILES.text, VIDEO_TEXT_FILES.tokenizer])
      expect(readFileSync(join(dir, f)).equals(readFileSync(join(teacherDir, f)))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(dir, VIDEO_TEXT_FILES.manifest), 'utf8'));
    expect(manifest.video.kind).toBe('student');
    expect(manifest.video.global).toEqual(globalBranch);
    expect(manifest.embedDim).toBe(32);
    // A stage-1 folder keeps its manifest as before: no kind.
    const teacherManifest = JSON.parse(readFileSync(join(teacherDir, VIDEO_TEXT_FILES.manifest), 'utf8'));
    expect(teacherManifest.video.kind).toBeUndefined();

    const model = await VideoTextModel.load(dir, { device: 'cpu' });
    const teacher = await VideoTextModel.load(teacherDir, { device: 'cpu' });
    expect(model.embedDim).toBe(32);
    expect(model.manifest.clip).toEqual([4, 32, 32]);
    expect(model.manifest.temperature).toBeCloseTo(0.05, 6);
    const clips = clipsOf(4, 13);
    const captions = ['red square on black', 'blue square', 'green square on white'];
    const v = await model.embedVideo(clips);
    const vRef = normRows(tf.tidy(() => student.embedVideo(clips).arraySync() as number[][]));
    const ev = maxErr(v.data, vRef);
    const t = await model.embedText(captions);
    const tTeacher = await teacher.embedText(captions);
    const enc = tokenizer.encode(captions, textConfig.maxLength);
    const tRef = normRows(
      tf.tidy(
        () =>
          stage1.text
            .forward(tf.tensor2d(enc.ids, enc.shape, 'int32'), tf.tensor2d(enc.mask, enc.shape))
            .arraySync() as number[][],
      ),
    );
    const et = maxErr(t.data, tRef);
    console.log(
      `student VideoTextModel vs tfjs: video ${ev.toExponential(2)}, text ${et.toExponential(2)} (max abs)`,
    );
    expect(v.shape).toEqual([4, 32]);
    expect(ev).toBeLessThan(1e-4);
    expect(Array.from(t.data)).toEqual(Array.from(tTeacher.data));
    expect(et).toBeLessThan(1e-4);
    // The student's video embedding differs from the teacher tower's (it is the student's own).
    const vTeacher = await teacher.embedVideo(clips);
    expect(maxErr(v.data, vTeacher.data)).toBeGreaterThan(1e-2);
    expect(model.similarity(v, t).shape).toEqual([4, 3]);
    await model.dispose();
    await teacher.dispose();
  });

  it('builds the same parts in memory from every model parameter, as files by name', async () => {
    const teacher = await readVideoTextModel(teacherDir);
    const parts = buildStudentVideoTextModel({
      student: { config: student.config, weights: paramsOf(student) },
      teacher,
    });
    const files = videoTextModelFiles(parts, 'videoprism/');
    expect(Object.keys(files).sort()).toEqual([
      'videoprism/text_tower.onnx',
      'videoprism/tokenizer.json',
      'videoprism/video_tower.onnx',
      'videoprism/videoprism.json',
    ]);
    const dir = join(root, 'student');
    for (const [name, bytes] of Object.entries(files))
      expect(Buffer.from(bytes).equals(readFileSync(join(dir, name.slice('videoprism/'.length))))).toBe(true);
  });

  it('rejects a teacher that is not the student’s, a student as teacher, and a student without a global branch', async () => {
    const weights = await student.studentVideoWeights();
    const otherVideo = { encoder: { ...teacherVit, depth: 1 } } as unknown as VideoTowerConfigInput;
    const other = buildVideoTextModel({
      video: { config: otherVideo, weights: VideoTower.create(otherVideo, 7).weights() },
      text: { config: textConfig, weights: stage1.text.weights() },
      tokenizer,
    });
    expect(() =>
      buildStudentVideoTextModel({ student: { config: student.config, weights }, teacher: other }),
    ).toThrow(TeacherMismatchError);
    const teacher = await readVideoTextModel(teacherDir);
    const studentParts = buildStudentVideoTextModel({
      student: { config: student.config, weights },
      teacher,
    });
    expect(() =>
      buildStudentVideoTextModel({ student: { config: student.config, weights }, teacher: studentParts }),
    ).toThrow(TeacherMismatchError);
    const partial = new Map(weights);
    partial.delete('global.head.weight');
    expect(() =>
      buildStudentVideoTextModel({ student: { config: student.config, weights: partial }, teacher }),
    ).toThrow(/global\.head\.weight/);
    const localOnly = { ...student.config, globalLoss: false };
    expect(() => buildStudentVideoTextModel({ student: { config: localOnly, weights }, teacher })).toThrow(
      ConfigError,
    );
    const noGlobal = DistillModel.create({ config: localOnly, teacher: { weights: stage1.video.weights() } });
    expect(() => noGlobal.embedVideo(clipsOf(1, 2))).toThrow(ConfigError);
    noGlobal.dispose();
  });

  it('a student manifest that does not agree with itself is a CheckpointError', async () => {
    const teacher = await readVideoTextModel(teacherDir);
    const parts = buildStudentVideoTextModel({
      student: { config: student.config, weights: await student.studentVideoWeights() },
      teacher,
    });
    const bad = (video: object): VideoTextModelParts => ({
      ...parts,
      manifest: { ...parts.manifest, video: { ...parts.manifest.video, ...video } as never },
    });
    await expect(VideoTextModel.load(bad({ embedDim: 16 }))).rejects.toThrow(CheckpointError);
    await expect(VideoTextModel.load(bad({ global: { ...globalBranch, heads: 5 } }))).rejects.toThrow(
      CheckpointError,
    );
  });
});
