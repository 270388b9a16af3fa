import { basename, extname } from 'node:path';
import { MANIFEST_TASKS, type ReadoutKind, readoutOf, SYNTH4D_SUITES } from '@vfmkit/probes';
import { ADAPTATION_METHOD_IDS, type AdaptationMethodId, trainsBackbone } from '@vfmkit/videoglue-score';
import { z } from 'zod';
import { EvaluatorError } from './errors';

/** synth4d suites (`4d`, `videoglue`, `all`), defined once in probes' registry. */
export const SUITES = SYNTH4D_SUITES;
export type SuiteName = keyof typeof SUITES;

/**
 * Adaptation methods (videoglue-score's one vocabulary) and the readout each trains (probes'
 * `readoutOf`): `linear` = layer norm + linear, `frozen` = attentive pooler over frozen features
 * (VideoGLUE's frozen backbone + pooler head, 4DS's readout), `mlap` = multi-layer attention pooler over
 * the last (up to 4) exposed layers; `adapter` (LoRA rank 8 on qkv, see `BACKBONE_ADAPTATIONS`) and
 * `e2e` train inside the backbone in tfjs with an attentive pooler and need a vit-encoder checkpoint.
 */
export const ADAPTATIONS = Object.fromEntries(
  ADAPTATION_METHOD_IDS.map((m) => [m, readoutOf(m)]),
) as Readonly<Record<AdaptationMethodId, ReadoutKind>>;
export type Adaptation = AdaptationMethodId;

/** Methods that train inside the backbone (tfjs), not over frozen ONNX features. */
export const BACKBONE_METHODS: readonly Adaptation[] = ADAPTATION_METHOD_IDS.filter(trainsBackbone);

const adaptationSchema = z.enum(ADAPTATION_METHOD_IDS);

const encoderSchema = z.object({ name: z.string().min(1), path: z.string().min(1) }).strict();

const optionsSchema = z
  .object({
    /** Encoders to compare: a trainer run folder (its `encoder.onnx`), an `.onnx` file, or a safetensors checkpoint. */
    encoders: z.array(encoderSchema).min(1),
    suite: z.enum(['4d', 'videoglue', 'all']).default('4d'),
    /**
     * A video manifest (JSONL, `@vfmkit/video`'s schema) to evaluate on instead of synth4d: its
     * `classification` (from `label`), `multilabel` (`labels`), `temporal` (`segments`) and
     * `spatiotemporal` (`boxes`) tasks,
     * split by each entry's `split` (train; val / validation / test). `suite` does not apply.
     */
    manifest: z.string().min(1).optional(),
    /** A subset of the suite's (or the manifest's) tasks (default: all of them). */
    tasks: z.array(z.string()).optional(),
    adaptations: z.array(adaptationSchema).min(1).default(['frozen']),
    /**
     * Per-task method lists that replace `adaptations` for those tasks (e.g. `{ depth: ['linear'] }` to
     * skip the per-token attentive readout, which is slow on depth). Each must be a subset of `adaptations`.
     */
    taskAdaptations: z.record(z.string(), z.array(adaptationSchema).min(1)).optional(),
    /** Output folder for `report.md`, `report.json`, `report.html` (and the feature cache). */
    out: z.string().min(1),
    /** Feature cache folder (default `<out>/features`). */
    cacheDir: z.string().optional(),
    /** synth4d clips per task: train (head fitting) and test (scoring), from its train and val splits. */
    trainClips: z.number().int().positive().default(48),
    testClips: z.number().int().positive().default(16),
    /** Head training: steps, batch size, peak learning rate. */
    steps: z.number().int().positive().default(150),
    batchSize: z.number().int().positive().default(16),
    lr: z.number().positive().default(3e-3),
    /** Add a randomly initialised encoder of the first encoder's architecture as a baseline. */
    randomBaseline: z.boolean().default(false),
    seed: z.number().int().nonnegative().default(0),
    /** ONNX Runtime device and intra-op threads. */
    device: z.enum(['auto', 'cpu', 'cuda']).default('cpu'),
    threads: z.number().int().positive().optional(),
    /**
     * Manifest videos that cannot be read (missing, truncated, not a video) fail the run instead of
     * being skipped and listed in the report.
     */
    strict: z.boolean().default(false),
  })
  .strict();

/** Options of `evaluate`, validated. */
export type EvaluateConfig = z.output<typeof optionsSchema>;
/** The input form: defaults optional. */
export type EvaluateOptions = z.input<typeof optionsSchema> & {
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /**
   * A stop request: once aborted, the run stops after the current unit of work (one head or one
   * backbone adaptation) and writes what is finished, marked `status: 'partial'` (the abort reason,
   * e.g. `SIGTERM`, becomes `stoppedBy`).
   */
  signal?: AbortSignal;
};

/**
 * Validates evaluate options: known suite, tasks inside it, known adaptations, unique encoder names.
 * @throws EvaluatorError naming the offending option.
 */
export function parseEvaluateOptions(input: EvaluateOptions): EvaluateConfig & { taskList: string[] } {
  const { log: _log, signal: _signal, ...rest } = input;
  const parsed = optionsSchema.safeParse(rest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue.path.join('.') || '(root)';
    throw new EvaluatorError(`vfm-eval option ${key}: ${issue.message}`, { what: key });
  }
  const c = parsed.data;
  const suiteTasks: readonly string[] = c.manifest ? Object.keys(MANIFEST_TASKS) : SUITES[c.suite];
  const taskList = (c.tasks ?? [...suiteTasks]).map((t) => t.replace(/^synth4d\//, ''));
  for (const t of taskList)
    if (!suiteTasks.includes(t))
      throw new EvaluatorError(
        `task "${t}" is not in ${c.manifest ? 'the manifest tasks' : `suite "${c.suite}"`} (${suiteTasks.join(', ')})`,
        {
          what: 'tasks',
          value: t,
        },
      );
  if (taskList.length === 0) throw new EvaluatorError('no tasks to run', { what: 'tasks' });
  for (const [t, methods] of Object.entries(c.taskAdaptations ?? {})) {
    if (!taskList.includes(t.replace(/^synth4d\//, '')))
      throw new EvaluatorError(`taskAdaptations names task "${t}", which is not being run`, {
        what: 'taskAdaptations',
        value: t,
      });
    for (const m of methods)
      if (!c.adaptations.includes(m))
        throw new EvaluatorError(`taskAdaptations.${t} uses "${m}", which is not in adaptations`, {
          what: 'taskAdaptations',
          value: m,
        });
  }
  const names = new Set<string>();
  for (const e of c.encoders) {
    if (names.has(e.name))
      throw new EvaluatorError(`two encoders are named "${e.name}"; name them with name=path`, {
        what: 'encoder',
        value: e.name,
      });
    names.add(e.name);
  }
  return { ...c, adaptations: [...new Set(c.adaptations)], taskList };
}

/**
 * Parses `--encoder` values: `path`, `name=path`, or several comma-separated. A name defaults to the
 * run folder's or file's base name without extension.
 */
export function parseEncoderSpecs(values: readonly string[]): { name: string; path: string }[] {
  const out: { name: string; path: string }[] = [];
  for (const value of values)
    for (const part of value.split(',')) {
      const spec = part.trim();
      if (!spec) continue;
      const eq = spec.indexOf('=');
      const path = eq > 0 ? spec.slice(eq + 1) : spec;
      if (!path)
        throw new EvaluatorError(`--encoder "${spec}" has no path`, { what: 'encoder', value: spec });
      const name = eq > 0 ? spec.slice(0, eq) : basename(path.replace(/\/+$/, ''), extname(path));
      out.push({ name, path });
    }
  return out;
}
