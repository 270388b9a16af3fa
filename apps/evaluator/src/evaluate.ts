import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeMachine, Rng } from '@vfmkit/core';
import { initBackend } from '@vfmkit/nn';
import {
  describeAdaptation,
  FeatureCache,
  pickRows,
  type ReadoutKind,
  type TaskMetric,
} from '@vfmkit/probes';
import { fitTask } from '@vfmkit/probes/tfjs';
import {
  ADAPTATION_METHODS,
  type ModelReport,
  type SuiteMethod,
  scoreRuns,
  type VgsSuite,
} from '@vfmkit/videoglue-score';
import { vitForwardFlops } from '@vfmkit/vit-encoder';
import { AdaptedRunner, BACKBONE_ADAPTATIONS } from './adapted';
import { manifestSources } from './data/manifest-source';
import { synth4dSource } from './data/synth4d-source';
import { type EvalClip, type TaskSource, type TaskSplitData, withPixels } from './data/task-source';
import { backboneUnavailable, type LoadedEncoder, openEncoder, randomBaseline } from './encoders';
import { type ClipFeatures, clipSetFeatures } from './features';
import { ADAPTATIONS, type Adaptation, type EvaluateOptions, parseEvaluateOptions } from './options';
import { htmlReport } from './report/html';
import { markdownReport } from './report/markdown';
import { type ReadoutPicture, readoutPicture } from './report/pictures';

/** One encoder in the report. */
export interface EncoderEntry {
  name: string;
  onnx: string;
  source: string;
  /** What the source was: `run`, `vit-checkpoint`, `videomae`, `onnx` or `random-init`. */
  kind: string;
  /** The vit-encoder checkpoint `adapter` and `e2e` train from; null for an ONNX-only encoder. */
  weights: string | null;
  provider: string;
  clip: readonly number[];
  grid: { t: number; h: number; w: number };
  width: number;
  depth: number;
  /** Forward GFLOPs per clip (2 FLOPs per multiply-accumulate). */
  gflops: number;
  /** Clips embedded through ONNX Runtime (not from the cache), and their rate. */
  clipsEmbedded: number;
  clipsPerSecond: number | null;
}

/** One (task, method, encoder) result. */
export interface ResultEntry {
  task: string;
  method: Adaptation;
  encoder: string;
  /** `null` when the method does not apply to the task (linear heads on query-conditioned tasks). */
  metrics: TaskMetric[] | null;
  /** The task's 0-100 VGS score. */
  score: number | null;
  trainableParams: number | null;
  trainableGflops: number | null;
  inferenceGflops: number | null;
  trainSeconds: number | null;
  note?: string;
}

/** A picture of a readout's predictions against the truth on validation clips (PNG under `<out>/pictures`). */
export interface PictureEntry {
  task: string;
  method: Adaptation;
  encoder: string;
  /** Path of the PNG file. */
  file: string;
  width: number;
  height: number;
  caption: string;
}

/** A manifest video that could not be read and was left out (`@vfmkit/video`'s skip report), and the tasks it belonged to. */
export interface SkippedVideo {
  path: string;
  /** Its line in the manifest. */
  line: number;
  /** The error's code (e.g. `VIDEO_DECODE`) and reason (e.g. `not-found`, `invalid-data`). */
  code: string;
  reason: string;
  message: string;
  tasks: string[];
}

/** What {@link evaluate} returns and writes as `report.json`. */
export interface EvalReport {
  /**
   * `complete`, or `partial` when a stop request (SIGINT / SIGTERM, `options.signal`) ended the run
   * early: `results` then hold the (task, encoder) units finished before it.
   */
  status: 'complete' | 'partial';
  /** Why a partial run stopped (e.g. `SIGTERM`). */
  stoppedBy?: string;
  createdAt: string;
  machine: string;
  settings: {
    /** `synth4d`, or the video manifest the tasks came from. */
    data: string;
    suite: string;
    tasks: string[];
    adaptations: Adaptation[];
    trainClips: number;
    testClips: number;
    steps: number;
    batchSize: number;
    lr: number;
    seed: number;
  };
  encoders: EncoderEntry[];
  /** Per task: name (synth4d preset or `<manifest>/<task>`), headline metric, score name. */
  tasks: { name: string; headline: string; scoreName: string }[];
  results: ResultEntry[];
  /** Manifest videos that could not be read and were left out (none with `strict`, which fails instead). */
  skipped: SkippedVideo[];
  /** Predicted against true depth maps, point tracks, boxes and camera trajectories (synth4d 4D tasks). */
  pictures: PictureEntry[];
  vgs: {
    suite: VgsSuite;
    /** What C_i is: the mean over tasks of the head's trainable parameters for method i. */
    costBasis: string;
    models: Record<string, ModelReport>;
    /** Encoders without a VGS and why (a method of the suite has no score for them, e.g. `adapter` on an ONNX-only encoder). */
    unscored: Record<string, string>;
  };
  files: { markdown: string; json: string; html: string };
}

/**
 * Evaluates encoders on synth4d tasks (rendered at each encoder's clip size) or on the tasks of a
 * video manifest (decoded at each encoder's clip size): extracts features once through ONNX Runtime
 * (cached by encoder hash and data), trains each adaptation's head on the train clips, scores it on
 * the test clips, computes the VGS per encoder and writes `report.md`, `report.json` and
 * `report.html` to `options.out`.
 * @throws EvaluatorError for bad options or encoder paths (before any work starts).
 */
export async function evaluate(options: EvaluateOptions): Promise<EvalReport> {
  const c = parseEvaluateOptions(options);
  const log = options.log ?? (() => {});
  mkdirSync(c.out, { recursive: true });
  const cache = new FeatureCache(c.cacheDir ?? join(c.out, 'features'));
  const open = { out: c.out, device: c.device, threads: c.threads, log };
  const loaded: LoadedEncoder[] = [];
  for (const e of c.encoders) loaded.push(await openEncoder(e.name, e.path, open));
  if (c.randomBaseline) loaded.push(await randomBaseline(loaded[0], c.seed, open));
  await initBackend({ log: null });
  const encoders: EncoderEntry[] = loaded.map((l) => {
    const m = l.encoder.meta;
    const tokens = m.grid.t * m.grid.h * m.grid.w;
    return {
      name: l.name,
      onnx: l.onnx,
      source: l.source,
      kind: l.kind,
      weights: l.checkpoint ?? null,
      provider: l.encoder.provider,
      clip: [...m.clip],
      grid: { ...m.grid },
      width: m.vit.width,
      depth: m.vit.depth,
      gflops: vitForwardFlops(m.vit, { tokens }) / 1e9,
      clipsEmbedded: 0,
      clipsPerSecond: null,
    };
  });
  const embedSeconds = new Array<number>(loaded.length).fill(0);
  const results: ResultEntry[] = [];
  const sources: TaskSource[] = c.manifest
    ? await manifestSources(c.manifest, { tasks: c.tasks, seed: c.seed, strict: c.strict })
    : c.taskList.map((t) => synth4dSource(t, c.trainClips, c.testClips));
  const adapted = new AdaptedRunner();
  const pictures: PictureEntry[] = [];
  const skipped = new Map<string, SkippedVideo>();
  const pictured = new Set<string>();
  /** Each (encoder, clip set)'s features, embedded or opened once however many tasks and splits read it. */
  const extracted = new Map<string, Promise<ClipFeatures>>();
  /** Gives the event loop a turn (a signal handler can run), then says whether a stop was asked for. */
  const stopRequested = async () => {
    await new Promise((done) => setImmediate(done));
    return options.signal?.aborted === true;
  };
  try {
    units: for (const source of sources) {
      const short = source.name.slice(source.name.lastIndexOf('/') + 1);
      for (const [ei, l] of loaded.entries()) {
        if (await stopRequested()) break units;
        const m = l.encoder.meta;
        const { task, ...data } = await source.load(m.clip, log);
        for (const v of data.skipped ?? []) {
          const seen = skipped.get(v.path);
          if (!seen) {
            const { epoch: _epoch, ...rest } = v;
            skipped.set(v.path, { ...rest, tasks: [task.name] });
          } else if (!seen.tasks.includes(task.name)) seen.tasks.push(task.name);
        }
        /** A split's features: its clip set's (embedded on first use), the split's rows of them. */
        const embed = async ({ clips, rows }: TaskSplitData) => {
          const id = `${ei}\u0000${clips.dataKey}`;
          let features = extracted.get(id);
          if (!features) {
            features = clipSetFeatures(cache, l.encoder, l.onnx, clips, (line) => log(`${l.name}: ${line}`));
            extracted.set(id, features);
            const f = await features;
            encoders[ei].clipsEmbedded += f.computed;
            embedSeconds[ei] += f.computed ? f.seconds : 0;
          }
          const f = await features;
          return { tokens: pickRows(f.tokens, rows), layers: pickRows(f.layers, rows) };
        };
        const train = await embed(data.train);
        const test = await embed(data.test);
        const geometry = {
          grid: m.grid,
          frames: m.clip[0],
          height: m.clip[1],
          width: m.clip[2],
          featureWidth: m.vit.width,
          layers: train.layers.shape[1],
        };
        /** The splits' pixels, for the methods that train inside the backbone (made once for both). */
        let pixels: { train: EvalClip[]; test: EvalClip[] } | undefined;
        const methods = c.taskAdaptations?.[short] ?? c.taskAdaptations?.[source.name] ?? c.adaptations;
        for (const method of methods) {
          if (await stopRequested()) break units;
          const kind: ReadoutKind = ADAPTATIONS[method];
          const base = { task: task.name, method, encoder: l.name };
          if (method === 'adapter' || method === 'e2e') {
            const unavailable = await backboneUnavailable(l);
            if (unavailable) {
              log(`${task.name} ${method} ${l.name}: skipped: ${unavailable}`);
              results.push({
                ...base,
                metrics: null,
                score: null,
                trainableParams: null,
                trainableGflops: null,
                inferenceGflops: null,
                trainSeconds: null,
                note: unavailable,
              });
              continue;
            }
            const { steps, batchSize, lr, seed } = c;
            pixels ??= { train: await withPixels(data.train), test: await withPixels(data.test) };
            const row = await adapted.run({
              ...base,
              method,
              task,
              source: l.checkpoint as string,
              geometry,
              ...pixels,
              steps,
              batchSize,
              lr,
              seed,
            });
            log(
              `${task.name} ${method} ${l.name}: ${row.metrics ? `${row.metrics[0].name} ${row.metrics[0].value.toFixed(3)}` : row.note}`,
            );
            results.push(row);
            continue;
          }
          if (!task.readouts.includes(kind)) {
            results.push({
              ...base,
              metrics: null,
              score: null,
              trainableParams: null,
              trainableGflops: null,
              inferenceGflops: null,
              trainSeconds: null,
              note: 'needs a query-conditioned pooler',
            });
            continue;
          }
          const pick = (f: typeof train) => (kind === 'mlap' ? f.layers : f.tokens);
          const r = fitTask(
            task,
            geometry,
            { features: pick(train), samples: data.train.samples },
            { features: pick(test), samples: data.test.samples },
            { kind, steps: c.steps, batchSize: c.batchSize, lr: c.lr, encoderGflops: encoders[ei].gflops },
            new Rng(c.seed).fork(),
          );
          log(
            `${task.name} ${method} ${l.name}: ${r.table[0].name} ${r.table[0].value.toFixed(3)} (${r.trainSeconds.toFixed(1)} s)`,
          );
          results.push({
            ...base,
            metrics: r.table,
            score: Number.isFinite(r.score) ? Math.min(100, Math.max(0, r.score)) : null,
            trainableParams: r.cost.trainableParams,
            trainableGflops: r.cost.trainableGflops,
            inferenceGflops: r.cost.inferenceGflops,
            trainSeconds: r.trainSeconds,
          });
          const key = `${task.name}\u0000${l.name}`;
          if (!c.manifest && !pictured.has(key)) {
            const picture = readoutPicture(short, data.test.samples as never, r.predictions, geometry);
            if (picture) {
              pictured.add(key);
              pictures.push(savePicture(c.out, picture, { task: task.name, method, encoder: l.name }));
            }
          }
        }
      }
    }
  } finally {
    for (const l of loaded) await l.encoder.dispose();
  }
  encoders.forEach((e, i) => {
    e.clipsPerSecond = e.clipsEmbedded > 0 && embedSeconds[i] > 0 ? e.clipsEmbedded / embedSeconds[i] : null;
  });
  const vgs = scoreVgs(
    c.manifest ? 'vfmkit manifest' : 'vfmkit synth4d',
    sources.map((s) => s.name),
    c.adaptations,
    encoders,
    results,
  );
  const files = {
    markdown: join(c.out, 'report.md'),
    json: join(c.out, 'report.json'),
    html: join(c.out, 'report.html'),
  };
  const stoppedBy = options.signal?.aborted ? String(options.signal.reason ?? 'stop request') : undefined;
  const report: EvalReport = {
    status: stoppedBy ? 'partial' : 'complete',
    ...(stoppedBy ? { stoppedBy } : {}),
    createdAt: new Date().toISOString(),
    machine: describeMachine(),
    settings: {
      data: c.manifest ?? 'synth4d',
      suite: c.manifest ? 'manifest' : c.suite,
      tasks: sources.map((s) => s.name),
      adaptations: c.adaptations,
      trainClips: c.trainClips,
      testClips: c.testClips,
      steps: c.steps,
      batchSize: c.batchSize,
      lr: c.lr,
      seed: c.seed,
    },
    encoders,
    tasks: sources.map((s) => ({ name: s.name, headline: s.headline, scoreName: s.scoreName })),
    results,
    skipped: [...skipped.values()].sort((a, b) => a.line - b.line),
    pictures,
    vgs,
    files,
  };
  writeFileSync(files.json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(files.markdown, markdownReport(report));
  writeFileSync(files.html, htmlReport(report));
  return report;
}

/** Writes a picture to `<out>/pictures/<task>--<encoder>.png` and describes it. */
function savePicture(
  out: string,
  picture: ReadoutPicture,
  at: { task: string; method: Adaptation; encoder: string },
): PictureEntry {
  const dir = join(out, 'pictures');
  mkdirSync(dir, { recursive: true });
  const slug = (x: string) => x.replace(/[^A-Za-z0-9._-]+/g, '_');
  const file = join(dir, `${slug(at.task)}--${slug(at.encoder)}.png`);
  writeFileSync(file, picture.png);
  return { ...at, file, width: picture.width, height: picture.height, caption: picture.caption };
}

/** The methods that ran, each described from the configuration it ran with (probes' `describeAdaptation`). */
function methodsThatRan(methods: readonly Adaptation[]): SuiteMethod[] {
  return methods.map((id) => ({
    id,
    label: ADAPTATION_METHODS[id].label,
    description: describeAdaptation(
      id === 'adapter' || id === 'e2e' ? BACKBONE_ADAPTATIONS[id] : { method: id },
    ),
  }));
}

/** The VGS of each encoder, with videoglue-score's cost policy for runs (`scoreRuns`). */
function scoreVgs(
  suiteName: string,
  tasks: string[],
  methods: Adaptation[],
  encoders: EncoderEntry[],
  results: ResultEntry[],
): EvalReport['vgs'] {
  const runs = results.map((r) => ({
    task: r.task,
    method: r.method,
    model: r.encoder,
    score: r.score,
    trainableParams: r.trainableParams,
  }));
  const scored = scoreRuns(
    suiteName,
    tasks,
    methodsThatRan(methods),
    encoders.map((e) => e.name),
    runs,
  );
  return { ...scored, models: { ...scored.models }, unscored: { ...scored.unscored } };
}
