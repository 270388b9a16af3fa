import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeMachine, Rng } from '@vfmkit/core';
import { initBackend } from '@vfmkit/nn';
import { FeatureCache, fitTask, type ReadoutKind, type TaskMetric } from '@vfmkit/probes';
import {
  BUILTIN_METHODS,
  defineSuite,
  type ModelReport,
  scoreModel,
  type VgsSuite,
} from '@vfmkit/videoglue-score';
import { vitForwardFlops } from '@vfmkit/vit-encoder';
import { VideoEncoder } from '@vfmkit/vit-encoder/onnx';
import { AdaptedRunner } from './adapted';
import { manifestSources } from './data/manifest-source';
import { synth4dSource } from './data/synth4d-source';
import type { TaskSource } from './data/task-source';
import { type LoadedEncoder, randomBaseline, resolveEncoder } from './encoders';
import { extractFeatures } from './features';
import { ADAPTATIONS, type Adaptation, type EvaluateOptions, parseEvaluateOptions } from './options';
import { htmlReport } from './report/html';
import { markdownReport } from './report/markdown';

/** One encoder in the report. */
export interface EncoderEntry {
  name: string;
  onnx: string;
  source: string;
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

/** What {@link evaluate} returns and writes as `report.json`. */
export interface EvalReport {
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
  const loaded: LoadedEncoder[] = [];
  for (const e of c.encoders) {
    const onnx = await resolveEncoder(e.name, e.path, c.out);
    loaded.push({
      name: e.name,
      onnx,
      source: e.path,
      encoder: await VideoEncoder.load(onnx, { device: c.device, threads: c.threads, log }),
    });
  }
  if (c.randomBaseline) {
    const first = loaded[0];
    const onnx = await randomBaseline(first.encoder, c.out, c.seed);
    loaded.push({
      name: `${first.name} (random init)`,
      onnx,
      source: `random init of ${first.name}'s architecture, seed ${c.seed}`,
      encoder: await VideoEncoder.load(onnx, { device: c.device, threads: c.threads, log }),
    });
  }
  await initBackend({ log: null });
  const encoders: EncoderEntry[] = loaded.map((l) => {
    const m = l.encoder.meta;
    const tokens = m.grid.t * m.grid.h * m.grid.w;
    return {
      name: l.name,
      onnx: l.onnx,
      source: l.source,
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
    ? await manifestSources(c.manifest, { tasks: c.tasks, seed: c.seed })
    : c.taskList.map((t) => synth4dSource(t, c.trainClips, c.testClips));
  const adapted = new AdaptedRunner();
  try {
    for (const source of sources) {
      const short = source.name.slice(source.name.lastIndexOf('/') + 1);
      for (const [ei, l] of loaded.entries()) {
        const m = l.encoder.meta;
        const { task, ...data } = await source.load(m.clip, log);
        const train = await extractFeatures(cache, l.encoder, l.onnx, `${data.dataKey}:train`, data.train);
        const test = await extractFeatures(cache, l.encoder, l.onnx, `${data.dataKey}:test`, data.test);
        encoders[ei].clipsEmbedded += train.computed + test.computed;
        embedSeconds[ei] += train.computed ? train.seconds : 0;
        embedSeconds[ei] += test.computed ? test.seconds : 0;
        const geometry = {
          grid: m.grid,
          frames: m.clip[0],
          height: m.clip[1],
          width: m.clip[2],
          featureWidth: m.vit.width,
          layers: train.layers.shape[1],
        };
        const methods = c.taskAdaptations?.[short] ?? c.taskAdaptations?.[source.name] ?? c.adaptations;
        for (const method of methods) {
          const kind: ReadoutKind = ADAPTATIONS[method];
          const base = { task: task.name, method, encoder: l.name };
          if (method === 'adapter' || method === 'e2e') {
            const { steps, batchSize, lr, seed } = c;
            const row = await adapted.run({
              ...base,
              method,
              task,
              source: l.source,
              geometry,
              train: data.train,
              test: data.test,
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
            { features: pick(train), samples: data.train },
            { features: pick(test), samples: data.test },
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
  const report: EvalReport = {
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
    vgs,
    files,
  };
  writeFileSync(files.json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(files.markdown, markdownReport(report));
  writeFileSync(files.html, htmlReport(report));
  return report;
}

const METHOD_LABELS: Record<Adaptation, { label: string; description: string }> = {
  frozen: BUILTIN_METHODS.find((m) => m.id === 'frozen') ?? {
    label: 'Frozen',
    description: 'attentive pooler',
  },
  mlap: BUILTIN_METHODS.find((m) => m.id === 'mlap') ?? { label: 'MLAP', description: 'multi-layer pooler' },
  linear: { label: 'Linear', description: 'layer norm + linear readout of frozen features' },
  adapter: BUILTIN_METHODS.find((m) => m.id === 'adapter') ?? {
    label: 'Adapter',
    description: 'LoRA (rank 8, qkv) in the backbone + attentive pooler',
  },
  e2e: BUILTIN_METHODS.find((m) => m.id === 'e2e') ?? { label: 'E2E', description: 'end-to-end finetuning' },
};

/**
 * The VGS of each encoder over a suite with one group per task and the methods run; C_i is the mean
 * trainable parameter count of method i's heads (raw count, so C_i > 1 as the VGS needs: the tiny
 * heads here have far below 1 trainable GFLOP).
 */
function scoreVgs(
  suiteName: string,
  tasks: string[],
  methods: Adaptation[],
  encoders: EncoderEntry[],
  results: ResultEntry[],
): EvalReport['vgs'] {
  const scored = methods.filter((m) => results.some((r) => r.method === m && r.score !== null));
  const suite = defineSuite({
    name: suiteName,
    groups: tasks.map((t) => ({ id: t, label: t, datasets: [t] })),
    methods: (scored.length ? scored : methods).map((id) => ({
      id,
      label: METHOD_LABELS[id].label,
      description: METHOD_LABELS[id].description,
    })),
  });
  const models: Record<string, ModelReport> = {};
  const unscored: Record<string, string> = {};
  if (scored.length === 0) return { suite, costBasis: 'no method produced a score', models, unscored };
  methods = scored;
  for (const e of encoders) {
    const mine = results.filter((r) => r.encoder === e.name);
    const missing = methods.filter((m) => !mine.some((r) => r.method === m && r.score !== null));
    if (missing.length > 0) {
      unscored[e.name] = `no score for method${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`;
      continue;
    }
    const scores: Record<string, Record<string, number | null>> = {};
    const costs: Record<string, number> = {};
    for (const m of methods) {
      const rows = mine.filter((r) => r.method === m);
      scores[m] = Object.fromEntries(rows.map((r) => [r.task, r.score]));
      const params = rows.map((r) => r.trainableParams).filter((p): p is number => p !== null);
      costs[m] = params.reduce((a, b) => a + b, 0) / Math.max(1, params.length);
    }
    models[e.name] = scoreModel(scores, costs, { suite, model: e.name });
  }
  return { suite, costBasis: "mean trainable parameters of the method's heads over tasks", models, unscored };
}
