/**
 * `vfm-vgs results.json [--json] [--digits N]`: reads a VGS results file and prints each model's
 * VideoGLUE score with its per-method scores, weights and costs (markdown table, or JSON with --json).
 * JSON is machine-readable and keeps full precision; `--digits` rounds the table only.
 * Exit codes: 0 ok, 1 bad data (typed error printed), 2 bad usage.
 */
import { parseArgs } from 'node:util';
import { VfmError } from '@vfmkit/core';
import { markdownReport, toVgsJson } from './report';
import { readResultsFile, scoreResultsFile } from './results-file';

const USAGE = `usage: vfm-vgs <results.json> [--json] [--digits N]

  --json      print JSON at full precision (weights sum to 1)
  --digits N  decimals of the markdown table (default 2; JSON is never rounded)

Prints the VideoGLUE score (single-cost form: costs are trainable GFLOPs) of every model in a
results file: {"costs": {"frozen": 3.72, ...}, "models": {"M": {"costs"?: {...}, "scores": {"frozen": {"K400": 75.1, ...}, ...}}}}`;

function parseCli(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: { json: { type: 'boolean' }, digits: { type: 'string' }, help: { type: 'boolean' } },
    allowPositionals: true,
  });
}

/**
 * Runs `vfm-vgs` with `argv` (without node and script), writing to `out`/`err` (default the process's
 * streams). Resolves to the exit code.
 */
export async function main(
  argv: readonly string[],
  io: { out?: (s: string) => void; err?: (s: string) => void } = {},
): Promise<number> {
  const out = io.out ?? ((s: string) => void process.stdout.write(s));
  const err = io.err ?? ((s: string) => void process.stderr.write(s));
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(argv);
  } catch (e) {
    err(`vfm-vgs: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) {
    err(`vfm-vgs: expected one results file, got ${positionals.length}\n${USAGE}\n`);
    return 2;
  }
  const digits = values.digits === undefined ? 2 : Number(values.digits);
  if (!Number.isInteger(digits) || digits < 0 || digits > 10) {
    err(`vfm-vgs: --digits must be an integer in [0, 10], got ${String(values.digits)}\n`);
    return 2;
  }
  try {
    const report = scoreResultsFile(await readResultsFile(positionals[0]));
    out(
      values.json
        ? `${JSON.stringify(toVgsJson(report), null, 2)}\n`
        : markdownReport(report, undefined, digits),
    );
    return 0;
  } catch (e) {
    if (e instanceof VfmError) {
      err(`vfm-vgs: ${e.message} [${e.code}]\n`);
      return 1;
    }
    throw e;
  }
}
