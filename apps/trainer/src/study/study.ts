/**
 * A study: a typed grid of training runs, each followed by one evaluation, whose results are
 * collected and compared (e.g. SSL methods x augmentation policies x seeds, or model sizes x seeds).
 * Studies are TypeScript modules under `experiments/` whose default export is a {@link Study}.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `vfm-train` launcher (shared runs are trained in a child process). */
const VFM_TRAIN_BIN = fileURLToPath(new URL('../../bin/vfm-train.mjs', import.meta.url));

/** A value of one grid axis. */
export type AxisValue = string | number;

/** One point of the grid: a value per axis, e.g. `{ method: 'simclr', policy: 'strong', seed: 1 }`. */
export type CellKey = Readonly<Record<string, AxisValue>>;

/** What one cell runs: `vfm-train <recipe> ...train` then `vfm-eval --encoder <name>=<run> ...eval`. */
export interface CellPlan {
  readonly recipe: string;
  /** `--key=value` overrides for vfm-train (`--out` is set by the runner). */
  readonly train: readonly string[];
  /** Arguments for vfm-eval besides `--encoder` and `--out` (set by the runner). */
  readonly eval: readonly string[];
  /**
   * Arguments for a second, zero-shot evaluation of the run (`vfm-eval --suite zero-shot`, for recipes
   * that export a video-text model); its metrics join the cell's as task `zero-shot/<task>`.
   */
  readonly zeroShot?: readonly string[];
  /** Numbers to plot results against (e.g. `{ params: 1.2e6 }` for scaling curves). */
  readonly measures?: Readonly<Record<string, number>>;
}

/** How a study's report compares its cells. */
export type StudyAnalysis =
  /** Spread of the mean across the values of `a` at each fixed value of `b`, and the other way round. */
  | { readonly kind: 'spread'; readonly a: string; readonly b: string }
  /** The mean over seeds (± std) as one bar per value of `a`, a panel per task and metric. */
  | { readonly kind: 'bars'; readonly a: string }
  /** A metric against a measure (log x), one curve per value of `series`. */
  | { readonly kind: 'scaling'; readonly measure: string; readonly series?: string };

export interface StudyBudget {
  /** What this budget is, in words (steps, clips, model sizes): printed in the report. */
  readonly description: string;
  /** Cells run at once (each cell's train and eval use the cores the plan asks for). */
  readonly parallel: number;
}

export interface Study {
  readonly name: string;
  /** The claim under test, and its source. */
  readonly question: string;
  /** Grid axes in order; the runner visits the product, last axis fastest. `seed` is averaged over. */
  readonly axes: Readonly<Record<string, readonly AxisValue[]>>;
  /** `quick` runs in the test suite end to end; `full` produces the committed report. */
  readonly budgets: Readonly<Record<'quick' | 'full', StudyBudget>>;
  /** The axes actually used by a budget (the quick budget may shrink the grid). */
  axesFor?(budget: 'quick' | 'full'): Readonly<Record<string, readonly AxisValue[]>>;
  plan(cell: CellKey, budget: 'quick' | 'full'): CellPlan;
  readonly analysis: readonly StudyAnalysis[];
}

/** Every point of the grid, last axis fastest. */
export function gridCells(axes: Readonly<Record<string, readonly AxisValue[]>>): CellKey[] {
  let cells: Record<string, AxisValue>[] = [{}];
  for (const [axis, values] of Object.entries(axes))
    cells = cells.flatMap((c) => values.map((v) => ({ ...c, [axis]: v })));
  return cells;
}

/**
 * A cell's folder name, e.g. `method-simclr_policy-strong_seed-1`: letters, digits, `.`, `-` and `_`
 * only, so it is safe in paths and in vfm-eval's comma-separated `--encoder name=path` lists.
 */
export function cellId(cell: CellKey): string {
  return Object.entries(cell)
    .map(([k, v]) => `${k}-${String(v).replace(/[^A-Za-z0-9.-]/g, '.')}`)
    .join('_');
}

/** What a study cell's frozen-readout evaluation runs (see {@link frozenEvalArgs}). */
export interface FrozenEval {
  readonly suite?: '4d' | 'videoglue' | 'all';
  /** Comma-separated synth4d tasks. */
  readonly tasks: string;
  readonly evalTrain: number;
  readonly evalTest: number;
  readonly evalSteps: number;
  /** Add the encoder's random-init twin (`--random-baseline`). */
  readonly randomBaseline?: boolean;
}

/** vfm-eval arguments for frozen attentive readouts of one cell (`CellPlan.eval`). */
export function frozenEvalArgs(e: FrozenEval, seed: number | string): string[] {
  return [
    '--suite',
    e.suite ?? 'all',
    '--tasks',
    e.tasks,
    '--adaptations',
    'frozen',
    ...(e.randomBaseline ? ['--random-baseline'] : []),
    '--train-clips',
    String(e.evalTrain),
    '--test-clips',
    String(e.evalTest),
    '--steps',
    String(e.evalSteps),
    '--seed',
    String(seed),
  ];
}

/**
 * A run shared by a study's cells (e.g. a frozen tokenizer or teacher), trained once by `vfm-train
 * <recipe> <args>` into `dir`: a temp folder renamed into place when it finishes, so concurrent cells and
 * interrupted attempts never see half a run. Reused while `dir` holds every file of `done`.
 * @returns `dir`.
 */
export function sharedRun(
  dir: string,
  recipe: string,
  args: readonly string[],
  done: readonly string[],
): string {
  const finished = () => done.every((f) => existsSync(join(dir, f)));
  if (finished()) return dir;
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  execFileSync(process.execPath, [VFM_TRAIN_BIN, recipe, `--out=${tmp}`, '--no-progress', ...args], {
    stdio: 'ignore',
  });
  if (finished()) rmSync(tmp, { recursive: true, force: true });
  else {
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  return dir;
}
