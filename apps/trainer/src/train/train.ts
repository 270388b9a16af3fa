import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Clip, createProgress, tokenGridOf } from '@vfmkit/core';
import { assignParams, cosineSchedule, initBackend, tf } from '@vfmkit/nn';
import { compose } from '@vfmkit/video';
import { writeVitOnnx } from '@vfmkit/vit-encoder/onnx';
import type { TrainConfig } from '../config/schema';
import { openClipSource } from '../data/clip-source';
import { DataOrder } from '../data/data-order';
import { renderLossCurve } from '../plot/loss-curve';
import { maeBatch } from '../recipes/mae-batch';
import { createMaeTrainable } from '../recipes/mae-model';
import { reconstructionPicture } from '../report/reconstruction-picture';
import { JsonlLog } from '../run/jsonl-log';
import { StopSignal } from '../run/stop-signal';
import { dataParallelEngine } from './data-parallel-engine';
import { singleEngine, type TrainEngine } from './engine';
import { RunExistsError, TrainingDivergedError } from './errors';
import { encoderConfigOf, maeSpecOf } from './model-spec';
import { stepRng } from './step-rng';
import { loadTrainState, saveTrainState } from './train-state';

export interface TrainOptions {
  /** Continue from `<out>/checkpoint.safetensors`. */
  readonly resume?: boolean;
  /** Progress bar on a TTY (default true). */
  readonly progress?: boolean;
  /** Stop (checkpoint + clean exit) after this many steps of this invocation; for tests and time boxes. */
  readonly maxStepsThisRun?: number;
  /** Called after every step. */
  readonly onStep?: (step: number, loss: number) => void;
}

export interface TrainResult {
  readonly out: string;
  /** Optimizer steps completed in total (including resumed ones). */
  readonly steps: number;
  /** Losses of this invocation's steps, by step. */
  readonly losses: { step: number; loss: number }[];
  readonly checkpoint: string;
  readonly stoppedBy: 'done' | 'signal' | 'limit';
  readonly onnx?: string;
  readonly lossCurve?: string;
  readonly reconstruction?: string;
}

/** Files of a run folder. */
export function runFiles(out: string) {
  return {
    config: join(out, 'config.json'),
    log: join(out, 'log.jsonl'),
    checkpoint: join(out, 'checkpoint.safetensors'),
    onnx: join(out, 'encoder.onnx'),
    lossCurve: join(out, 'loss.png'),
    reconstruction: join(out, 'reconstruction.png'),
  };
}

/**
 * Runs a pretraining recipe (the SSL template: view -> encoder on visible tokens -> decoder ->
 * normalised-pixel targets -> loss on decoded tokens) for `config.steps` optimizer steps.
 * Checkpoints every `checkpointEvery` steps and at exit, atomically; `resume` continues exactly;
 * SIGINT/SIGTERM checkpoint and return; a non-finite loss throws {@link TrainingDivergedError}
 * without touching the last good checkpoint.
 */
export async function train(config: TrainConfig, options: TrainOptions = {}): Promise<TrainResult> {
  const out = resolve(config.out);
  const files = runFiles(out);
  mkdirSync(out, { recursive: true });
  if (!options.resume && existsSync(files.checkpoint)) {
    throw new RunExistsError(
      `${out} already holds a checkpoint: pass --resume to continue it, or choose another --out`,
      { out },
    );
  }
  const backend = await initBackend();
  writeFileSync(files.config, `${JSON.stringify(config, null, 2)}\n`);
  const log = new JsonlLog(files.log);
  const source = await openClipSource(config);
  const spec = maeSpecOf(config);
  const grid = tokenGridOf(
    [config.frames, config.size, config.size],
    spec.encoder.tubelet as [number, number, number],
  );
  const local = createMaeTrainable(spec);
  const engine: TrainEngine =
    config.workers > 1 ? await dataParallelEngine(spec, config) : singleEngine(local, config);
  const schedule = cosineSchedule({
    baseLr: config.optim.lr,
    minLr: config.optim.minLr,
    warmupSteps: Math.min(config.optim.warmupSteps, config.steps),
    totalSteps: config.steps,
  });
  const order = new DataOrder(source.size, config.seed);
  let step = 0;
  const stop = new StopSignal();
  try {
    if (options.resume) {
      const state = await loadTrainState(files.checkpoint, config);
      await engine.setParams(state.params);
      await engine.setOptimizerState(state.optimizer);
      step = state.step;
      order.position = state.dataPosition;
      log.write({ event: 'resume', step, dataPosition: order.position });
    } else {
      log.write({
        event: 'start',
        step: 0,
        backend: backend.backend,
        engine: engine.kind,
        data: source.description,
        params: spec,
      });
    }
    const checkpoint = async () => {
      await saveTrainState(files.checkpoint, {
        step,
        dataPosition: order.position,
        config,
        params: await engine.params(),
        optimizer: await engine.optimizerState(),
      });
      log.write({ event: 'checkpoint', step, path: files.checkpoint });
    };
    const view = compose(config.augment as never[]);
    const progress = createProgress({
      total: config.steps,
      label: `${config.recipe}`,
      mode: options.progress === false ? 'silent' : 'auto',
    });
    progress.update(step);
    const losses: { step: number; loss: number }[] = [];
    let stoppedBy: TrainResult['stoppedBy'] = 'done';
    let ran = 0;
    while (step < config.steps) {
      if (stop.reason) {
        stoppedBy = 'signal';
        break;
      }
      if (options.maxStepsThisRun !== undefined && ran >= options.maxStepsThisRun) {
        stoppedBy = 'limit';
        break;
      }
      const rng = stepRng(config.seed, step);
      const clips: Clip[] = [];
      for (let i = 0; i < config.batchSize; i++) clips.push(await source.clip(order.next()));
      const { batch } = maeBatch(clips, view, grid, config, rng);
      const lr = schedule(step);
      const t0 = performance.now();
      const { loss, gradNorm } = await engine.step(batch, lr);
      if (!Number.isFinite(loss)) {
        log.write({ event: 'diverged', step, loss: String(loss) });
        const kept = existsSync(files.checkpoint) ? files.checkpoint : null;
        throw new TrainingDivergedError(
          `loss became ${loss} at step ${step}; stopped. ${kept ? `The last good checkpoint is kept at ${kept}.` : 'No checkpoint had been written yet.'} Lower optim.lr or set optim.clipNorm.`,
          { step, loss, checkpoint: kept },
        );
      }
      step++;
      ran++;
      losses.push({ step, loss });
      options.onStep?.(step, loss);
      if (step % config.logEvery === 0)
        log.write({ event: 'step', step, loss, lr, gradNorm, ms: Math.round(performance.now() - t0) });
      progress.update(step, { loss, lr });
      if (step % config.checkpointEvery === 0 && step < config.steps) await checkpoint();
    }
    await checkpoint();
    progress.finish();
    log.write({ event: stoppedBy === 'done' ? 'end' : 'stop', step, reason: stop.reason ?? stoppedBy });
    const result: { -readonly [K in keyof TrainResult]: TrainResult[K] } = {
      out,
      steps: step,
      losses,
      checkpoint: files.checkpoint,
      stoppedBy,
    };
    if (stoppedBy === 'done') {
      // In single mode `local` is the trained model; in data-parallel mode it takes the workers' weights.
      if (engine.kind === 'data-parallel')
        assignParams(local.params, await engine.params(), { strict: true });
      if (config.exportOnnx) {
        await writeVitOnnx(files.onnx, encoderConfigOf(config), await local.mae.encoder.weights(), {
          attention: 'matmul',
        });
        result.onnx = files.onnx;
      }
      if (config.pictures) {
        const points = JsonlLog.read(files.log)
          .filter((r) => r.event === 'step')
          .map((r) => ({ step: r.step as number, loss: r.loss as number }));
        writeFileSync(files.lossCurve, await renderLossCurve(points, `${config.recipe}: training loss`));
        result.lossCurve = files.lossCurve;
        writeFileSync(files.reconstruction, await reconstructionOf(local, config, source, grid));
        result.reconstruction = files.reconstruction;
      }
    }
    return result;
  } finally {
    stop.dispose();
    await engine.close();
    if (engine.kind === 'data-parallel') local.mae.dispose();
  }
}

/** A reconstruction picture of the first two clips of the dataset with a fixed mask draw. */
async function reconstructionOf(
  local: ReturnType<typeof createMaeTrainable>,
  config: TrainConfig,
  source: Awaited<ReturnType<typeof openClipSource>>,
  grid: ReturnType<typeof tokenGridOf>,
): Promise<Uint8Array> {
  const clips = [await source.clip(0), await source.clip(Math.min(1, source.size - 1))];
  const { batch, masks } = maeBatch(clips, compose([]), grid, config, stepRng(config.seed, -1));
  const clipBatch = {
    data: batch.clips.data as Float32Array,
    shape: batch.clips.shape as [number, number, number, number, number],
  };
  const predictions = tf.tidy(
    () =>
      local.mae
        .predict(clipBatch, { visible: masks.visible, decode: masks.decode })
        .dataSync() as Float32Array,
  );
  return reconstructionPicture({
    clips: clipBatch,
    tubelet: encoderConfigOf(config).tubelet,
    hidden: masks.hidden,
    decode: masks.decode,
    predictions,
    normPixels: true,
  });
}
