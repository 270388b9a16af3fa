import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { referencePython } from '../../../test-support/reference-tools';

const PYTHON = referencePython(['numpy']) ?? '';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'reference', 'quantizers_ref.py');

/** True when Debian's python3 with numpy is available to act as the independent reference. */
export const hasPython: boolean = (() => {
  const r = spawnSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' });
  return r.status === 0;
})();

/** One call of the numpy reference. */
export interface RefCall {
  fn: 'fsq' | 'lfq' | 'stats';
  args: Record<string, unknown>;
}

/** Runs `reference/quantizers_ref.py` on a batch of calls in one process; results in order. */
export function runReference(calls: readonly RefCall[]): Record<string, unknown>[] {
  const r = spawnSync(PYTHON, [SCRIPT], {
    input: JSON.stringify(calls),
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`numpy reference failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
