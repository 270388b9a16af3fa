import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VfmError, writeFileAtomic } from '@vfmkit/core';
import { JsonlLog } from '../run/jsonl-log';
import { StopSignal } from '../run/stop-signal';
import { type CellKey, type CellPlan, cellId, gridCells, type Study } from './study';

/** The evaluator's name for a cell's encoder; its random-init twin is named after it. */
export const PRETRAINED = 'pretrained';

const BINS = {
  train: fileURLToPath(new URL('../../bin/vfm-train.mjs', import.meta.url)),
  eval: fileURLToPath(new URL('../../../evaluator/bin/vfm-eval.mjs', import.meta.url)),
};

/** One evaluated number of a cell. */
export interface CellMetric {
  readonly task: string;
  readonly method: string;
  /** {@link PRETRAINED}, or its random-init twin (vfm-eval's `--random-baseline`). */
  readonly encoder: string;
  readonly metric: string;
  readonly value: number;
}

/** What a finished cell leaves in `<cell>/result.json` and the study's `results.jsonl`. */
export interface CellResult {
  readonly id: string;
  readonly cell: CellKey;
  readonly recipe: string;
  readonly measures: Readonly<Record<string, number>>;
  readonly metrics: readonly CellMetric[];
  readonly trainSeconds: number;
  readonly evalSeconds: number;
}

export interface RunStudyOptions {
  readonly budget: 'quick' | 'full';
  /** Study folder: `cells/<id>/{run,eval,result.json}`, `results.jsonl`, `study.jsonl`, the report. */
  readonly out: string;
  /** Cells at once (default: the budget's). */
  readonly parallel?: number;
  /** One line per event (default: stdout). */
  readonly log?: (line: string) => void;
}

export interface StudyRun {
  readonly results: CellResult[];
  /** Cells skipped because a previous invocation finished them. */
  readonly skipped: string[];
  readonly failed: { id: string; message: string }[];
  /** Set when SIGINT/SIGTERM stopped the study: running cells checkpointed, none was started after. */
  readonly stoppedBy?: NodeJS.Signals;
}

/** A cell's train or eval process exited with an error. */
export class StudyCellError extends VfmError {
  constructor(message: string, details: Record<string, unknown>) {
    super('STUDY_CELL', message, details);
  }
}

/**
 * Runs every cell of `study` at `options.budget`: `vfm-train` then `vfm-eval` in child processes,
 * `parallel` cells at a time. Resumable: a cell with `result.json` is skipped; a cell whose training
 * was interrupted continues from its checkpoint (`--resume`), and one whose evaluation did not finish
 * is evaluated again. SIGINT/SIGTERM are passed to the running cells, which checkpoint and exit;
 * no new cell starts. `results.jsonl` holds every finished cell, in grid order.
 */
export async function runStudy(study: Study, options: RunStudyOptions): Promise<StudyRun> {
  const out = resolve(options.out);
  const say = options.log ?? ((line: string) => console.log(line));
  mkdirSync(join(out, 'cells'), { recursive: true });
  const events = new JsonlLog(join(out, 'study.jsonl'));
  const axes = study.axesFor?.(options.budget) ?? study.axes;
  const cells = gridCells(axes);
  const parallel = options.parallel ?? study.budgets[options.budget].parallel;
  events.write({ event: 'start', study: study.name, budget: options.budget, cells: cells.length, parallel });
  const children = new Set<ReturnType<typeof spawn>>();
  const forward = (signal: NodeJS.Signals) => {
    for (const child of children) child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const stop = new StopSignal();
  const skipped: string[] = [];
  const failed: { id: string; message: string }[] = [];

  const runProcess = (args: string[], logFile: string) =>
    new Promise<void>((done, fail) => {
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(child);
      let tail = '';
      const keep = (chunk: Buffer) => {
        tail = (tail + chunk.toString()).slice(-4000);
        writeFileSync(logFile, chunk, { flag: 'a' });
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      child.on('exit', (code, signal) => {
        children.delete(child);
        if (code === 0) done();
        else
          fail(
            new StudyCellError(
              `${args[1]} exited with ${code ?? signal}: ${tail.trim().split('\n').slice(-3).join(' | ')}`,
              {
                args,
                code,
              },
            ),
          );
      });
    });

  const runCell = async (cell: CellKey) => {
    const id = cellId(cell);
    const dir = join(out, 'cells', id);
    const resultFile = join(dir, 'result.json');
    if (existsSync(resultFile)) {
      skipped.push(id);
      events.write({ event: 'skip', cell: id });
      say(`[${study.name}] ${id}: finished earlier, skipped`);
      return;
    }
    mkdirSync(dir, { recursive: true });
    const plan: CellPlan = study.plan(cell, options.budget);
    const run = join(dir, 'run');
    const finished =
      existsSync(join(run, 'log.jsonl')) &&
      JsonlLog.read(join(run, 'log.jsonl')).some((r) => r.event === 'end');
    const t0 = performance.now();
    if (!finished) {
      const resume = existsSync(join(run, 'checkpoint.safetensors'));
      events.write({ event: resume ? 'resume' : 'train', cell: id });
      say(`[${study.name}] ${id}: ${resume ? 'resuming' : 'training'} (${plan.recipe})`);
      await runProcess(
        [
          BINS.train,
          plan.recipe,
          `--out=${run}`,
          '--no-progress',
          ...plan.train,
          ...(resume ? ['--resume'] : []),
        ],
        join(dir, 'train.log'),
      );
    }
    if (stop.reason) return;
    const trainSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    events.write({ event: 'eval', cell: id });
    say(`[${study.name}] ${id}: evaluating`);
    await runProcess(
      [
        BINS.eval,
        '--encoder',
        `${PRETRAINED}=${join(run, 'encoder.onnx')}`,
        '--out',
        join(dir, 'eval'),
        ...plan.eval,
      ],
      join(dir, 'eval.log'),
    );
    if (stop.reason) return;
    const report = JSON.parse(readFileSync(join(dir, 'eval', 'report.json'), 'utf8')) as EvalReportLike;
    if (report.status !== 'complete') return; // stopped mid-evaluation: evaluated again next time
    const zeroShot: CellMetric[] = [];
    if (plan.zeroShot) {
      await runProcess(
        [
          BINS.eval,
          '--suite',
          'zero-shot',
          '--encoder',
          `${PRETRAINED}=${run}`,
          '--out',
          join(dir, 'zero-shot'),
          ...plan.zeroShot,
        ],
        join(dir, 'zero-shot.log'),
      );
      if (stop.reason) return;
      const zs = JSON.parse(readFileSync(join(dir, 'zero-shot', 'zero-shot.json'), 'utf8')) as ZeroShotLike;
      zeroShot.push(...zeroShotMetricsOf(zs));
    }
    const result: CellResult = {
      id,
      cell,
      recipe: plan.recipe,
      measures: plan.measures ?? {},
      metrics: [...metricsOf(report), ...zeroShot],
      trainSeconds,
      evalSeconds: (performance.now() - t1) / 1000,
    };
    await writeFileAtomic(resultFile, [Buffer.from(`${JSON.stringify(result, null, 2)}\n`)]);
    events.write({ event: 'done', cell: id });
    say(`[${study.name}] ${id}: done`);
  };

  try {
    const queue = [...cells];
    const lane = async () => {
      for (let cell = queue.shift(); cell && !stop.reason; cell = queue.shift()) {
        try {
          await runCell(cell);
        } catch (error) {
          if (stop.reason) return;
          const message = (error as Error).message;
          failed.push({ id: cellId(cell), message });
          events.write({ event: 'failed', cell: cellId(cell), message });
          say(`[${study.name}] ${cellId(cell)}: FAILED ${message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, parallel) }, lane));
  } finally {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
    stop.dispose();
  }
  const results = collectResults(out, cells);
  writeFileSync(join(out, 'results.jsonl'), results.map((r) => `${JSON.stringify(r)}\n`).join(''));
  events.write({ event: stop.reason ? 'stop' : 'end', finished: results.length, failed: failed.length });
  return { results, skipped, failed, ...(stop.reason ? { stoppedBy: stop.reason } : {}) };
}

/** The finished cells' results, in grid order. */
export function collectResults(out: string, cells: readonly CellKey[]): CellResult[] {
  const have = new Set(existsSync(join(out, 'cells')) ? readdirSync(join(out, 'cells')) : []);
  return cells
    .map(cellId)
    .filter((id) => have.has(id) && existsSync(join(out, 'cells', id, 'result.json')))
    .map((id) => JSON.parse(readFileSync(join(out, 'cells', id, 'result.json'), 'utf8')) as CellResult);
}

/** The part of vfm-eval's `report.json` a study reads. */
interface EvalReportLike {
  status: string;
  results: {
    task: string;
    method: string;
    encoder: string;
    metrics: { name: string; value: number }[] | null;
  }[];
}

function metricsOf(report: EvalReportLike): CellMetric[] {
  const out: CellMetric[] = [];
  for (const r of report.results) {
    if (!r.metrics?.length) continue;
    const head = r.metrics[0];
    out.push({ task: r.task, method: r.method, encoder: r.encoder, metric: head.name, value: head.value });
  }
  return out;
}

/** The part of vfm-eval's `zero-shot.json` a study reads. */
interface ZeroShotLike {
  rows: { model: string; task: string; metrics: Record<string, number> }[];
}

/** The zero-shot numbers a study keeps: R@1 both ways and top-1 classification. */
const ZERO_SHOT_HEADLINES = ['videoToText.r1', 'textToVideo.r1', 'top1'];

/** Each zero-shot number as a cell metric: task `zero-shot/<task>`, method `zero-shot`. */
function zeroShotMetricsOf(report: ZeroShotLike): CellMetric[] {
  return report.rows.flatMap((r) =>
    Object.entries(r.metrics)
      .filter(([metric]) => ZERO_SHOT_HEADLINES.includes(metric))
      .map(([metric, value]) => ({
        task: `zero-shot/${r.task}`,
        method: 'zero-shot',
        encoder: r.model,
        metric,
        value,
      })),
  );
}
