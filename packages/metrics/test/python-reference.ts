import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { referencePython } from '../../../test-support/reference-tools';

const PYTHON = referencePython(['numpy']) ?? '';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'reference', 'metrics_ref.py');

/** True when Debian's python3 with numpy is available to act as the independent reference. */
export const hasPython: boolean = (() => {
  const r = spawnSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' });
  return r.status === 0;
})();

/** One call of the numpy reference. */
export interface RefCall {
  fn: 'tapvid' | 'depth' | 'temporal_map' | 'average_precision' | 'umeyama_ate' | 'ssim';
  args: Record<string, unknown>;
}

/**
 * Runs the numpy reference (`reference/metrics_ref.py`) on a batch of calls in one process and returns
 * the results in order, with JSON `null` turned back into NaN.
 */
export function runReference(calls: readonly RefCall[]): unknown[] {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync(PYTHON, [SCRIPT], {
    input: JSON.stringify(calls),
    encoding: 'utf8',
    env,
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`numpy reference failed: ${r.stderr}`);
  return JSON.parse(r.stdout, (_k, v) => (v === null ? Number.NaN : v));
}
