/**
 * vfm-study <name|file.ts> [--budget quick|full] [--out dir] [--parallel N]
 *
 *   vfm-study augmentations-vs-algorithms --budget quick
 *   vfm-study 4ds-scaling --budget full          # writes experiments/results/4ds-scaling/
 *
 * Runs a study's grid (each cell: vfm-train, then vfm-eval), skipping finished cells and resuming
 * interrupted ones, then writes results.jsonl, report.md and report.html.
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError, VfmError } from '@vfmkit/core';
import { runStudy } from './run-study';
import type { Study } from './study';
import { writeStudyReport } from './study-report';

/** The repository's `experiments/` folder, where the shipped studies live. */
export const EXPERIMENTS = fileURLToPath(new URL('../../../../experiments/', import.meta.url));

const USAGE = 'usage: vfm-study <name|file.ts> [--budget quick|full] [--out dir] [--parallel N]';

/** Loads a study by name (`experiments/<name>.ts`) or path; its default export is the {@link Study}. */
export async function loadStudy(nameOrPath: string): Promise<Study> {
  const file = existsSync(nameOrPath) ? resolve(nameOrPath) : join(EXPERIMENTS, `${nameOrPath}.ts`);
  if (!existsSync(file))
    throw new ConfigError(`no study "${nameOrPath}" (looked for ${file})`, {
      key: 'study',
      value: nameOrPath,
    });
  const mod = (await import(pathToFileURL(file).href)) as { default?: Study };
  if (!mod.default?.plan) throw new ConfigError(`${file} has no default-exported study`, { key: 'study' });
  return mod.default;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  let budget: 'quick' | 'full' = 'quick';
  let out: string | undefined;
  let parallel: number | undefined;
  for (let i = 0; i < rest.length; i++) {
    const [flag, inline] = rest[i].split('=', 2);
    const value = inline ?? rest[++i];
    if (flag === '--budget' && (value === 'quick' || value === 'full')) budget = value;
    else if (flag === '--out') out = value;
    else if (flag === '--parallel' && Number.isInteger(Number(value)) && Number(value) > 0)
      parallel = Number(value);
    else {
      console.error(`vfm-study: bad argument ${rest[i]}\n${USAGE}`);
      return 2;
    }
  }
  try {
    const study = await loadStudy(name);
    const folder =
      out ??
      (budget === 'full'
        ? join(EXPERIMENTS, 'results', study.name)
        : join('runs', 'studies', `${study.name}-quick`));
    const started = performance.now();
    const run = await runStudy(study, { budget, out: folder, parallel });
    const command = [
      'vfm-study',
      basename(name, '.ts'),
      `--budget ${budget}`,
      ...(out ? [`--out ${out}`] : []),
      ...(parallel ? [`--parallel ${parallel}`] : []),
    ].join(' ');
    const files = await writeStudyReport(study, run.results, resolve(folder), {
      budget,
      command,
      wallSeconds: (performance.now() - started) / 1000,
      failed: run.failed,
      ...(parallel ? { parallel } : {}),
    });
    console.log(
      `${run.results.length} cell(s) finished (${run.skipped.length} earlier), ${run.failed.length} failed`,
    );
    console.log(`report: ${files.markdown}\n        ${files.html}`);
    if (run.stoppedBy) return 128 + (run.stoppedBy === 'SIGINT' ? 2 : 15);
    return run.failed.length ? 1 : 0;
  } catch (error) {
    if (error instanceof VfmError) {
      console.error(`vfm-study: ${error.name} (${error.code}): ${error.message}`);
      return 1;
    }
    throw error;
  }
}
