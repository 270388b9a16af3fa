/**
 * vfm-eval --encoder runs/x [--encoder name=path.onnx ...] [--suite 4d|videoglue|all|zero-shot]
 *          [--manifest videos.jsonl] [--adaptations frozen,mlap,linear,adapter,e2e] [--tasks depth,pose] [--out reports/x]
 *          [--train-clips 48] [--test-clips 16] [--steps 150] [--batch-size 16] [--lr 3e-3]
 *          [--random-baseline] [--strict] [--seed 0] [--threads N] [--device cpu|auto|cuda]
 *
 * `--suite zero-shot` scores video-text models (`vfm-train videoprism-contrastive` runs) with no
 * training: retrieval both ways and classification from class-name prompts, on `--test-clips` synth4d
 * clips (`--objects N` per scene) or a manifest's test entries; it writes zero-shot.md / .json.
 *
 * SIGINT / SIGTERM stop the run after the current unit of work (one head or backbone adaptation):
 * the finished results are written, marked partial, and the exit status is 130. A second signal
 * exits at once.
 */
import { VfmError } from '@vfmkit/core';
import { EvaluatorError } from './errors';
import { evaluate } from './evaluate';
import { type EvaluateOptions, parseEncoderSpecs } from './options';
import { zeroShotEvaluate } from './zero-shot';

export const USAGE =
  'usage: vfm-eval --encoder <run folder|file.onnx|ckpt.safetensors|name=path>[,...] [--encoder ...] [--suite 4d|videoglue|all|zero-shot | --manifest videos.jsonl] [--objects N] [--adaptations frozen,mlap,linear,adapter,e2e] [--tasks a,b] [--out dir] [--train-clips N] [--test-clips N] [--steps N] [--batch-size N] [--lr X] [--random-baseline] [--strict] [--seed N] [--threads N] [--device cpu|auto|cuda]';

const NUMERIC: Record<string, keyof EvaluateOptions> = {
  '--train-clips': 'trainClips',
  '--test-clips': 'testClips',
  '--steps': 'steps',
  '--batch-size': 'batchSize',
  '--lr': 'lr',
  '--seed': 'seed',
  '--threads': 'threads',
};

/** The command line: evaluate options, or the zero-shot suite's (`zeroShot`). */
export type CliOptions = EvaluateOptions & { zeroShot?: boolean; objects?: number };

/** Parses the command line into evaluate options. @throws EvaluatorError naming the bad argument. */
export function parseArgs(argv: readonly string[]): CliOptions {
  const encoders: string[] = [];
  const o: Record<string, unknown> = { out: 'reports/eval' };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const next = () => {
      const v = value ?? argv[++i];
      if (v === undefined || (value === undefined && v.startsWith('--')))
        throw new EvaluatorError(`${arg} needs a value`, { what: arg });
      return v;
    };
    if (arg === '--encoder') encoders.push(next());
    else if (arg === '--suite') {
      const suite = next();
      if (suite === 'zero-shot') o.zeroShot = true;
      else o.suite = suite;
    } else if (arg === '--objects') {
      const raw = next();
      o.objects = Number(raw);
      if (!Number.isInteger(o.objects) || (o.objects as number) < 1)
        throw new EvaluatorError(`--objects must be a positive integer, got "${raw}"`, { what: arg });
    } else if (arg === '--manifest') o.manifest = next();
    else if (arg === '--adaptations')
      o.adaptations = next()
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
    else if (arg === '--tasks')
      o.tasks = next()
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
    else if (arg === '--out') o.out = next();
    else if (arg === '--cache') o.cacheDir = next();
    else if (arg === '--device') o.device = next();
    else if (arg === '--random-baseline') o.randomBaseline = true;
    else if (arg === '--strict') o.strict = true;
    else if (arg in NUMERIC) {
      const raw = next();
      const n = Number(raw);
      if (!Number.isFinite(n))
        throw new EvaluatorError(`${arg} must be a number, got "${raw}"`, { what: arg });
      o[NUMERIC[arg]] = n;
    } else throw new EvaluatorError(`unknown argument "${argv[i]}"`, { what: argv[i] });
  }
  if (encoders.length === 0) throw new EvaluatorError('give at least one --encoder', { what: '--encoder' });
  return {
    ...(o as Omit<EvaluateOptions, 'encoders'>),
    encoders: parseEncoderSpecs(encoders),
  } as CliOptions;
}

/** `--suite zero-shot`: scores each video-text model, prints the headline numbers. */
async function runZeroShot(args: CliOptions): Promise<number> {
  const report = await zeroShotEvaluate({
    models: args.encoders,
    out: args.out,
    ...(args.manifest ? { manifest: args.manifest } : {}),
    ...(args.testClips ? { clips: args.testClips } : {}),
    ...(args.objects ? { objects: args.objects } : {}),
    seed: args.seed ?? 0,
    ...(args.device ? { device: args.device } : {}),
    ...(args.threads ? { threads: args.threads } : {}),
    log: (line) => console.log(line),
  });
  console.log(`report: ${report.files.markdown}, ${report.files.json}`);
  return 0;
}

export async function main(argv: readonly string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    console.log(USAGE);
    return argv.length === 0 ? 2 : 0;
  }
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) process.exit(130);
    console.error(`vfm-eval: ${signal}: stopping after the current unit of work (send it again to exit now)`);
    stop.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const { zeroShot, objects, ...args } = parseArgs(argv);
    if (zeroShot) return await runZeroShot({ ...args, ...(objects ? { objects } : {}) });
    if (objects !== undefined)
      throw new EvaluatorError('--objects applies to --suite zero-shot only', { what: '--objects' });
    const report = await evaluate({
      ...args,
      log: (line) => console.log(line),
      signal: stop.signal,
    });
    for (const [name, m] of Object.entries(report.vgs.models))
      console.log(`VGS ${name}: ${m.vgs.toFixed(2)}`);
    console.log(`report: ${report.files.markdown}, ${report.files.json}, ${report.files.html}`);
    if (report.status === 'partial') {
      console.error(`vfm-eval: stopped by ${report.stoppedBy}; the report holds the finished results only`);
      return 130;
    }
    return 0;
  } catch (error) {
    if (error instanceof VfmError) {
      console.error(`vfm-eval: ${error.name} (${error.code}): ${error.message}`);
      return error instanceof EvaluatorError ? 2 : 1;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
