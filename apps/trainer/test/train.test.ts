import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CheckpointError } from '@vfmkit/core';
import { loadVitCheckpoint } from '@vfmkit/vit-encoder';
import { afterAll, describe, expect, it } from 'vitest';
import { type TrainConfig, trainConfigSchema } from '../src/config/schema';
import { JsonlLog } from '../src/run/jsonl-log';
import { RunExistsError, TrainingDivergedError } from '../src/train/errors';
import { encoderConfigOf } from '../src/train/model-spec';
import { runFiles, train } from '../src/train/train';
import { loadTrainState } from '../src/train/train-state';

const root = mkdtempSync(join(tmpdir(), 'vfm-train-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A nano MAE on 4 x 32 x 32 clips (tubelets 2 x 8 x 8: 32 tokens, 8 visible, 24 decoded). */
function tiny(name: string, extra: Partial<TrainConfig> = {}): TrainConfig {
  return trainConfigSchema.parse({
    recipe: 'mae',
    out: join(root, name),
    steps: 6,
    batchSize: 2,
    frames: 4,
    size: 32,
    data: { source: 'synth4d', task: 'actions', size: 2 },
    masking: { encoder: { kind: 'tube', ratio: 0.75 }, decoder: { kind: 'all' } },
    model: { variant: 'nano/8', tubeletFrames: 2 },
    decoder: { width: 32, depth: 1, heads: 2 },
    optim: { lr: 3e-3, warmupSteps: 2, minLr: 1e-4, weightDecay: 0, beta1: 0.9, beta2: 0.95 },
    checkpointEvery: 3,
    exportOnnx: false,
    pictures: false,
    ...extra,
  });
}

describe('training loop', () => {
  it('halves the loss of a nano MAE on a fixed synthetic batch, and writes its artefacts', async () => {
    const fixed = tiny('overfit', { steps: 80, exportOnnx: true, pictures: true, augment: [] });
    const config = {
      ...fixed,
      data: { ...fixed.data, size: 1 },
      decoder: { width: 64, depth: 2, heads: 2 },
      optim: { ...fixed.optim, lr: 1e-2 },
    };
    const result = await train(config, { progress: false });
    const first = result.losses.slice(0, 3).reduce((a, b) => a + b.loss, 0) / 3;
    const last = result.losses.slice(-3).reduce((a, b) => a + b.loss, 0) / 3;
    expect(last).toBeLessThan(first / 2);
    const files = runFiles(result.out);
    expect(Object.keys(result.pictures).sort()).toEqual(['loss.png', 'reconstruction.png']);
    for (const png of Object.values(result.pictures))
      expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
    expect(readFileSync(files.onnx).byteLength).toBeGreaterThan(1000);
    expect(JSON.parse(readFileSync(files.config, 'utf8')).steps).toBe(80);
  });

  it('writes the encoder in vit-encoder format at every checkpoint: loadable, and equal to the trained weights', async () => {
    const config = tiny('encoder', { steps: 4, checkpointEvery: 2 });
    const result = await train(config, { progress: false });
    const { config: vit, weights } = await loadVitCheckpoint(runFiles(result.out).encoder);
    expect(vit).toEqual(encoderConfigOf(config));
    const state = await loadTrainState(result.checkpoint, config);
    expect(weights.size).toBeGreaterThan(0);
    for (const [name, w] of weights) {
      const trained = state.params.get(name);
      expect(trained?.shape, name).toEqual(w.shape);
      expect(Array.from(trained?.data as Float32Array)).toEqual(Array.from(w.data));
    }
    const events = JsonlLog.read(runFiles(config.out).log).filter((r) => r.event === 'checkpoint');
    expect(events.map((e) => e.step)).toEqual([2, 4]);
  });

  it('resumes exactly: the resumed loss curve equals the uninterrupted one', async () => {
    const full = await train(tiny('full'), { progress: false });
    const cut = tiny('cut');
    const first = await train(cut, { progress: false, maxStepsThisRun: 4 });
    expect(first.stoppedBy).toBe('limit');
    await expect(train(cut, { progress: false })).rejects.toBeInstanceOf(RunExistsError);
    const second = await train(cut, { progress: false, resume: true });
    expect(second.steps).toBe(6);
    expect([...first.losses, ...second.losses]).toEqual(full.losses);
  });

  it('trains with two data-parallel workers and resumes them exactly', async () => {
    const full = await train(tiny('dp-full', { workers: 2, steps: 4 }), { progress: false });
    const cut = tiny('dp-cut', { workers: 2, steps: 4 });
    const first = await train(cut, { progress: false, maxStepsThisRun: 2 });
    const second = await train(cut, { progress: false, resume: true });
    const losses = [...first.losses, ...second.losses].map((l) => l.loss);
    for (const [i, l] of full.losses.entries()) expect(losses[i]).toBeCloseTo(l.loss, 6);
    const single = await train(tiny('dp-single', { steps: 4 }), { progress: false });
    for (const [i, l] of single.losses.entries()) expect(full.losses[i].loss).toBeCloseTo(l.loss, 3);
  });

  it('rejects a corrupt or mismatched checkpoint on resume with a clear error', async () => {
    const config = tiny('corrupt', { steps: 3 });
    await train(config, { progress: false });
    const other = { ...config, decoder: { ...config.decoder, width: 64 } };
    await expect(loadTrainState(runFiles(config.out).checkpoint, other)).rejects.toThrow(
      /different run \(decoder/,
    );
    const path = runFiles(config.out).checkpoint;
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 100));
    const err = await train(config, { progress: false, resume: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toMatch(/checkpoint\.safetensors/);
  });

  it('stops on a non-finite loss and keeps the last good checkpoint', async () => {
    const config = tiny('diverge', { steps: 40, checkpointEvery: 100 });
    const first = await train(config, { progress: false, maxStepsThisRun: 2 });
    expect(first.stoppedBy).toBe('limit');
    const before = readFileSync(first.checkpoint);
    const diverging = { ...config, optim: { ...config.optim, lr: 1e30, warmupSteps: 0, minLr: 1e30 } };
    const err = await train(diverging, { progress: false, resume: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingDivergedError);
    const { step, checkpoint } = (err as TrainingDivergedError).details as {
      step: number;
      checkpoint: string | null;
    };
    expect(step).toBeGreaterThanOrEqual(2);
    expect(checkpoint).toBe(first.checkpoint);
    expect(readFileSync(first.checkpoint).equals(before)).toBe(true);
    const state = await loadTrainState(first.checkpoint, diverging);
    expect(state.step).toBe(2);
    for (const t of state.params.values())
      for (const v of t.data as Float32Array) expect(Number.isFinite(v)).toBe(true);
  });

  it('a SIGKILL during a checkpoint write leaves the previous checkpoint loadable', async () => {
    const config = tiny('killed', { steps: 3 });
    await train(config, { progress: false });
    const path = runFiles(config.out).checkpoint;
    // A child process rewrites the checkpoint with 400 MB of weights; kill it mid-write.
    const script = `
      import { saveTrainState, loadTrainState } from ${JSON.stringify(fileURLToPath(new URL('../src/train/train-state.ts', import.meta.url)))};
      import { trainConfigSchema } from ${JSON.stringify(fileURLToPath(new URL('../src/config/schema.ts', import.meta.url)))};
      const config = trainConfigSchema.parse(${JSON.stringify(config)});
      const big = new Map([['huge', { dtype: 'F32', shape: [100_000_000], data: new Float32Array(100_000_000) }]]);
      process.stdout.write('writing\\n');
      await saveTrainState(${JSON.stringify(path)}, { step: 99, dataPosition: 0, config, params: big, optimizer: { t: 0, tensors: new Map() } });
    `;
    const child = spawn(
      process.execPath,
      ['--conditions=@vfmkit/source', '--import', 'tsx', '--input-type=module', '-e', script],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const started = await new Promise<boolean>((done) => {
      child.stdout.once('data', () => done(true));
      child.once('exit', () => done(false));
    });
    expect(started).toBe(true);
    // Kill at a known point: the temp file of the new checkpoint exists and holds bytes, so the
    // write is under way and the rename has not happened.
    const isTemp = (f: string) => f.startsWith('.checkpoint.safetensors.') && f.endsWith('.tmp');
    let midWrite = false;
    for (let i = 0; i < 5000 && !midWrite && child.exitCode === null; i++) {
      const temp = readdirSync(config.out).find(isTemp);
      midWrite = temp !== undefined && statSync(join(config.out, temp)).size > 0;
      if (!midWrite) await new Promise((r) => setTimeout(r, 2));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(midWrite).toBe(true);
    const state = await loadTrainState(path, config);
    expect(state.step).toBe(3);
  });
});
