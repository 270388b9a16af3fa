import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@vfmkit/core';
import { SPECIAL_TOKENS, TeacherMismatchError, TextTokenizer } from '@vfmkit/videoprism-distill';
import { VideoTextModel } from '@vfmkit/videoprism-distill/onnx';
import { loadVitCheckpoint } from '@vfmkit/vit-encoder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/load-config';
import { trainConfigSchema } from '../src/config/schema';
import { VIDEOPRISM_FILES } from '../src/recipes/videoprism';
import { JsonlLog } from '../src/run/jsonl-log';
import { runFiles, train } from '../src/train/train';

const root = mkdtempSync(join(tmpdir(), 'vfm-videoprism-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A nano stage-1 or stage-2 run on 4 x 16 x 16 synth4d clips (tubelets 2 x 8 x 8: 8 tokens). */
function nano(recipe: string, name: string, extra: string[] = []) {
  return resolveConfig(recipe, {
    overrides: [
      `--out=${join(root, name)}`,
      '--steps=4',
      '--batchSize=4',
      '--frames=4',
      '--size=16',
      '--model.variant=nano/8',
      '--model.tubeletFrames=2',
      '--data.source=synth4d',
      '--data.size=8',
      '--checkpointEvery=2',
      '--pictures=false',
      '--optim.warmupSteps=1',
      ...extra,
    ],
  });
}

const events = (out: string, event: string) =>
  JsonlLog.read(runFiles(out).log).filter((r) => r.event === event);

describe('videoprism-contrastive (stage 1)', () => {
  let teacher = '';
  beforeAll(async () => {
    const result = await train(await nano('videoprism-contrastive', 'stage1'), { progress: false });
    teacher = result.out;
  });

  it('trains a vocabulary on the captions, then the towers; exports a VideoTextModel and the teacher tower', async () => {
    const tok = TextTokenizer.fromJSON(readFileSync(join(teacher, VIDEOPRISM_FILES.tokenizer), 'utf8'));
    // synth4d captions name colors, shapes and motions: all in the vocabulary, none unknown.
    const text = tok.encode(['A red sphere bounces. The camera is still.'], 16);
    expect(tok.vocabSize).toBeGreaterThan(20);
    const unknown = SPECIAL_TOKENS.indexOf('[UNK]'); // a trained vocabulary puts the specials first
    expect(Array.from(text.ids)).not.toContain(unknown);
    expect(Array.from(text.ids).filter((id, i) => text.mask[i] === 1 && id > 3).length).toBeGreaterThan(5);
    expect(existsSync(join(teacher, VIDEOPRISM_FILES.tower))).toBe(true);
    const { config } = await loadVitCheckpoint(runFiles(teacher).encoder);
    expect(config.frames).toBe(4);
    // Held-out recall is logged at every checkpoint, with its chance level.
    const evals = events(teacher, 'eval');
    expect(evals.map((e) => e.step)).toEqual([2, 4]);
    expect(evals[0].chanceR1).toBe(1 / 16);
    const model = await VideoTextModel.load(join(teacher, VIDEOPRISM_FILES.model));
    try {
      const t = await model.embedText(['A blue box spins.', 'A red sphere falls to the ground.']);
      expect(t.shape).toEqual([2, model.manifest.embedDim]);
      for (let r = 0; r < 2; r++) {
        const row = t.data.subarray(r * t.shape[1], (r + 1) * t.shape[1]);
        expect(Math.hypot(...row)).toBeCloseTo(1, 5);
      }
    } finally {
      await model.dispose();
    }
  });

  it('resumes exactly: the vocabulary is kept and the losses are those of one run', async () => {
    const full = await train(await nano('videoprism-contrastive', 'full', ['--exportOnnx=false']), {
      progress: false,
    });
    const cut = await nano('videoprism-contrastive', 'cut', ['--exportOnnx=false']);
    const first = await train(cut, { progress: false, maxStepsThisRun: 2 });
    const vocabulary = readFileSync(join(cut.out, VIDEOPRISM_FILES.tokenizer), 'utf8');
    const second = await train(cut, { progress: false, resume: true });
    expect(readFileSync(join(cut.out, VIDEOPRISM_FILES.tokenizer), 'utf8')).toBe(vocabulary);
    expect([...first.losses, ...second.losses]).toEqual(full.losses);
  });

  it('rejects data without captions before the first step, naming how many lack one', async () => {
    const dir = join(root, 'uncaptioned');
    const manifest = join(root, 'uncaptioned.jsonl');
    writeFileSync(manifest, `${JSON.stringify({ path: 'a.mp4', split: 'train' })}\n`);
    const config = trainConfigSchema.parse({
      ...(await nano('videoprism-contrastive', 'uncaptioned')),
      data: { source: 'manifest', path: manifest },
    });
    await expect(train(config, { progress: false })).rejects.toThrow(
      /1 of the first 1 training clips have no caption/,
    );
    expect(existsSync(join(dir, 'checkpoint.safetensors'))).toBe(false);
  });

  describe('videoprism-distill (stage 2)', () => {
    it('the student moves toward its frozen teacher: held-out cosine rises', async () => {
      const result = await train(
        await nano('videoprism-distill', 'stage2', [
          `--videoprism.teacher=${teacher}`,
          '--steps=6',
          '--checkpointEvery=3',
        ]),
        { progress: false },
      );
      const evals = events(result.out, 'eval');
      expect(evals).toHaveLength(2);
      const [early, late] = evals.map((e) => e.teacherGlobalCos as number);
      expect(late).toBeGreaterThan(early);
      expect(evals[1].teacherLocalCos as number).toBeGreaterThan(evals[0].teacherLocalCos as number);
      const { config } = await loadVitCheckpoint(runFiles(result.out).encoder);
      expect(config.width).toBe(64);
    });

    it('resumes exactly and runs data-parallel with the losses of one thread', async () => {
      const args = [`--videoprism.teacher=${teacher}`, '--exportOnnx=false'];
      const full = await train(await nano('videoprism-distill', 'd-full', args), { progress: false });
      const cut = await nano('videoprism-distill', 'd-cut', args);
      const first = await train(cut, { progress: false, maxStepsThisRun: 2 });
      const second = await train(cut, { progress: false, resume: true });
      expect([...first.losses, ...second.losses]).toEqual(full.losses);
      const dp = await train(await nano('videoprism-distill', 'd-dp', [...args, '--workers=2']), {
        progress: false,
      });
      for (const [i, l] of full.losses.entries()) expect(dp.losses[i].loss).toBeCloseTo(l.loss, 3);
    });

    it('names a missing teacher run and rejects a teacher of another clip size', async () => {
      await expect(
        nano('videoprism-distill', 'no-teacher', [`--videoprism.teacher=${join(root, 'nowhere')}`]).then(
          (c) => train(c, { progress: false }),
        ),
      ).rejects.toThrow(ConfigError);
      const other = await nano('videoprism-distill', 'mismatch', [
        `--videoprism.teacher=${teacher}`,
        '--frames=8',
      ]);
      await expect(train(other, { progress: false })).rejects.toThrow(TeacherMismatchError);
    });
  });
});
