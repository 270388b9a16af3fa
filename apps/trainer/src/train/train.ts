import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createProgress, writeFileAtomic } from '@vfmkit/core';
import { assignParams, cosineSchedule, initBackend, type TrainableModel } from '@vfmkit/nn';
import { saveVitCheckpoint } from '@vfmkit/vit-encoder';
import { writeVitOnnx } from '@vfmkit/vit-encoder/onnx';
import type { TrainConfig } from '../config/schema';
import { type ClipSource, heldOutSource, openClipSource, type SourceClip } from '../data/clip-source';
import { DataOrder } from '../data/data-order';
import { renderLossCurve } from '../plot/loss-curve';
import type { Recipe } from '../recipes/recipe';
import { recipeOf } from '../recipes/registry';
import { JsonlLog } from '../run/jsonl-log';
import { StopSignal } from '../run/stop-signal';
import { dataParallelEngine } from './data-parallel-engine';
import { singleEngine, type TrainEngine } from './engine';
import { RunExistsError, TrainingDivergedError } from './errors';
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
  /**
   * The encoder in vit-encoder's checkpoint format (config in the metadata), as of the last
   * checkpoint; for recipes that train a ViT encoder.
   */
  readonly encoder?: string;
  readonly stoppedBy: 'done' | 'signal' | 'limit';
  /** The signal that stopped the run, when `stoppedBy` is `'signal'`. */
  readonly signal?: NodeJS.Signals;
  /** The encoder exported to ONNX at the end of a finished run (recipes that train a ViT encoder). */
  readonly onnx?: string;
  /** Every file exported at the end of a finished run (`exportOnnx`), by name. */
  readonly exported: Readonly<Record<string, string>>;
  /** PNG files written at the end (loss curve and the recipe's pictures), by file name. */
  readonly pictures: Readonly<Record<string, string>>;
}

/** Files of a run folder. */
export function runFiles(out: string) {
  return {
    config: join(out, 'config.json'),
    log: join(out, 'log.jsonl'),
    /** Everything to resume exactly: all weights, optimizer moments, step, data position, config. */
    checkpoint: join(out, 'checkpoint.safetensors'),
    /** The encoder alone, as `@vfmkit/vit-encoder`'s `loadVitCheckpoint` and `vfm-eval` read it. */
    encoder: join(out, 'encoder.safetensors'),
    onnx: join(out, 'encoder.onnx'),
    lossCurve: join(out, 'loss.png'),
  };
}

/** Lets pending I/O and signal handlers run: every await inside a step resolves without yielding. */
const yieldToEventLoop = () => new Promise<void>((done) => setImmediate(done));

/**
 * Runs the recipe `config.recipe` (see the registry in `recipes/registry.ts`) for `config.steps`
 * optimizer steps. The loop knows no method: it draws clips in a seeded order, asks the recipe for
 * each step's batch, steps the engine (this thread, or data-parallel workers), and checkpoints every
 * `checkpointEvery` steps and at exit, atomically: `checkpoint.safetensors` (exact resume) and
 * `encoder.safetensors` (the encoder, for `vfm-eval`). `resume` continues exactly. SIGINT/SIGTERM
 * finish the current step, checkpoint and return. A non-finite loss throws
 * {@link TrainingDivergedError} without touching the last good checkpoint.
 */
export async function train(config: TrainConfig, options: TrainOptions = {}): Promise<TrainResult> {
  const recipe: Recipe = recipeOf(config.recipe);
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
  const stop = new StopSignal();
  let source: ClipSource | undefined;
  let heldOut: ClipSource | null = null;
  let local: TrainableModel | undefined;
  let engine: TrainEngine | undefined;
  try {
    const data = (source = await openClipSource(config));
    await recipe.prepare?.(config, data);
    const spec = recipe.spec(config);
    if (recipe.evaluate) heldOut = await heldOutSource(config);
    const model = (local = recipe.createModel(spec));
    engine =
      config.workers > 1 ? await dataParallelEngine(recipe, spec, config) : singleEngine(model, config);
    const schedule = cosineSchedule({
      baseLr: config.optim.lr,
      minLr: config.optim.minLr,
      warmupSteps: Math.min(config.optim.warmupSteps, config.steps),
      totalSteps: config.steps,
    });
    const order = new DataOrder(data.size, config.seed);
    let step = 0;
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
        recipe: recipe.name,
        backend: backend.backend,
        engine: engine.kind,
        data: data.description,
        params: spec,
      });
    }
    const run = engine;
    const checkpoint = async () => {
      const params = await run.params();
      await saveTrainState(files.checkpoint, {
        step,
        dataPosition: order.position,
        config,
        params,
        optimizer: await run.optimizerState(),
      });
      // In single mode `model` is the trained model; in data-parallel mode it takes the workers' weights.
      if (run.kind === 'data-parallel') assignParams(model.params, params, { strict: true });
      const written = await writeArtifacts('checkpoint');
      log.write({ event: 'checkpoint', step, path: files.checkpoint, ...written });
      if (recipe.evaluate && heldOut)
        log.write({ event: 'eval', step, ...(await recipe.evaluate(model, config, heldOut)) });
    };
    /** The encoder (vit-encoder format, or ONNX when exporting) and the recipe's own files. */
    const writeArtifacts = async (when: 'checkpoint' | 'export') => {
      const written: Record<string, string> = {};
      const encoder = await recipe.encoder?.(model, config);
      if (encoder && when === 'checkpoint') {
        await saveVitCheckpoint(files.encoder, encoder.config, encoder.weights);
        written.encoder = files.encoder;
      }
      if (encoder && when === 'export') {
        await writeVitOnnx(files.onnx, encoder.config, encoder.weights, { attention: 'matmul' });
        written.onnx = files.onnx;
      }
      for (const [name, bytes] of Object.entries((await recipe.artifacts?.(model, config, when)) ?? {})) {
        mkdirSync(dirname(join(out, name)), { recursive: true });
        await writeFileAtomic(join(out, name), [bytes]);
        written[name] = join(out, name);
      }
      return written;
    };
    const progress = createProgress({
      total: config.steps,
      label: recipe.name,
      mode: options.progress === false ? 'silent' : 'auto',
    });
    progress.update(step);
    const losses: { step: number; loss: number }[] = [];
    let stoppedBy: TrainResult['stoppedBy'] = 'done';
    let ran = 0;
    /** Warnings already reported (each kind once per invocation). */
    const warned = new Set<string>();
    while (step < config.steps) {
      await yieldToEventLoop();
      if (stop.reason) {
        stoppedBy = 'signal';
        break;
      }
      if (options.maxStepsThisRun !== undefined && ran >= options.maxStepsThisRun) {
        stoppedBy = 'limit';
        break;
      }
      const rng = stepRng(config.seed, step);
      const clips: SourceClip[] = [];
      for (let i = 0; i < config.batchSize; i++) clips.push(await data.clip(order.next()));
      data.prefetch?.(order.peek(config.batchSize));
      const batch = recipe.batch(clips, config, rng);
      const lr = schedule(step);
      const t0 = performance.now();
      const { loss, gradNorm, stats } = await engine.step(batch, lr);
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
      if (step % config.logEvery === 0) {
        const scalars = Object.fromEntries(
          Object.entries(stats)
            .filter(([, v]) => v.length === 1)
            .map(([k, v]) => [k, v[0]]),
        );
        log.write({
          event: 'step',
          step,
          loss,
          lr,
          gradNorm,
          ms: Math.round(performance.now() - t0),
          ...scalars,
        });
      }
      const warning = recipe.watch?.(stats, config);
      if (warning && !warned.has(warning.event)) {
        warned.add(warning.event);
        log.write({ event: warning.event, step, message: warning.message });
        process.stderr.write(`\n${recipe.name}: step ${step}: ${warning.message}\n`);
      }
      progress.update(step, { loss, lr });
      if (step % config.checkpointEvery === 0 && step < config.steps) await checkpoint();
    }
    await checkpoint();
    progress.finish();
    log.write({ event: stoppedBy === 'done' ? 'end' : 'stop', step, reason: stop.reason ?? stoppedBy });
    const pictures: Record<string, string> = {};
    const result: { -readonly [K in keyof TrainResult]: TrainResult[K] } = {
      out,
      steps: step,
      losses,
      checkpoint: files.checkpoint,
      stoppedBy,
      pictures,
      exported: {},
    };
    if (recipe.encoder) result.encoder = files.encoder;
    if (stop.reason) result.signal = stop.reason;
    if (stoppedBy === 'done') {
      if (config.exportOnnx) {
        result.exported = await writeArtifacts('export');
        if (result.exported.onnx) result.onnx = result.exported.onnx;
      }
      if (config.pictures) {
        const points = JsonlLog.read(files.log)
          .filter((r) => r.event === 'step')
          .map((r) => ({ step: r.step as number, loss: r.loss as number }));
        writeFileSync(files.lossCurve, await renderLossCurve(points, `${recipe.name}: training loss`));
        pictures['loss.png'] = files.lossCurve;
        for (const [name, png] of Object.entries((await recipe.pictures?.(model, config, data)) ?? {})) {
          writeFileSync(join(out, name), png);
          pictures[name] = join(out, name);
        }
      }
    }
    return result;
  } finally {
    stop.dispose();
    await source?.close?.();
    await heldOut?.close?.();
    await engine?.close();
    if (local) recipe.dispose(local);
  }
}
