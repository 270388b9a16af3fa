/**
 * Reference tools for tests (python3 with numpy / PyTorch, the system ffmpeg), found on PATH.
 *
 * A test that compares against a reference asks for the tool here and skips when it is missing. With
 * `CI` set (any value but `0` or `false`), a missing tool is an error instead: the run fails with a
 * message naming the tool, so a CI machine whose setup lost python3 or ffmpeg cannot pass by skipping.
 * Locally the test skips with a one-line note on stderr.
 *
 * Test-only code: imported by relative path from `packages/*\/test`, `packages/*\/src/*.test.ts` and
 * `apps/*\/test`; never shipped.
 *
 * @example
 * const PY = referencePython(['numpy']);
 * it.skipIf(!PY)('matches numpy', () => { execFileSync(PY as string, ['-c', code]); ... });
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A Python module a reference needs. */
export type PythonModule = 'numpy' | 'torch';

/** A reference tool was required but is missing while `CI` is set. */
export class MissingReferenceToolError extends Error {
  readonly tool: string;
  constructor(tool: string, why: string) {
    super(
      `reference tool missing in CI: ${tool} (${why}). Reference tests must not skip in CI: install it ` +
        '(Debian: python3-numpy python3-torch ffmpeg) or unset CI to skip locally.',
    );
    this.name = 'MissingReferenceToolError';
    this.tool = tool;
  }
}

/** True when `CI` is set to anything but `''`, `0` or `false`. */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/** Every executable called `name` on PATH, in PATH order, duplicates (same real file) removed. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      const real = realpathSync(file);
      if (!seen.has(real)) {
        seen.add(real);
        found.push(file);
      }
    } catch {
      // not here
    }
  }
  return found;
}

const warned = new Set<string>();

/** Missing tool: throws in CI, warns once locally; returns undefined so the caller skips. */
function missing(tool: string, why: string): undefined {
  if (inCi()) throw new MissingReferenceToolError(tool, why);
  if (!warned.has(tool)) {
    warned.add(tool);
    process.stderr.write(`[reference] ${tool} not available (${why}): its reference tests are skipped\n`);
  }
  return undefined;
}

const DEBIAN_PYTHON = '/usr/bin/python3';
const pythons = new Map<string, string | null>();

/**
 * The first `python3` on PATH (Debian's `/usr/bin/python3` preferred when PATH has it) that imports every module in `modules` (numpy, torch), or `undefined`
 * when none does (after throwing {@link MissingReferenceToolError} when `CI` is set). The result is cached
 * per module set.
 */
export function referencePython(modules: readonly PythonModule[] = ['numpy']): string | undefined {
  const key = [...modules].sort().join(',');
  const tool = `python3${modules.length ? ` with ${modules.join(' and ')}` : ''}`;
  if (!pythons.has(key)) {
    // Debian's python3 (numpy, torch from apt) first when it is on PATH, then the others in PATH order.
    const candidates = findOnPath('python3').sort(
      (a, b) => Number(b === DEBIAN_PYTHON) - Number(a === DEBIAN_PYTHON),
    );
    const imports = modules.length ? `import ${modules.join(', ')}` : 'pass';
    const ok = candidates.find(
      (py) => spawnSync(py, ['-c', imports], { stdio: 'ignore', timeout: 60_000 }).status === 0,
    );
    pythons.set(key, ok ?? null);
    if (!ok) {
      const why = candidates.length
        ? `no python3 on PATH imports ${modules.join(', ')} (tried ${candidates.join(', ')})`
        : 'no python3 on PATH';
      return missing(tool, why);
    }
  }
  const py = pythons.get(key);
  return py ?? missing(tool, 'not found earlier in this run');
}

/**
 * The system `ffmpeg` on PATH (the reference decoder/encoder, distinct from the bundled npm build), or
 * `undefined` (after throwing {@link MissingReferenceToolError} when `CI` is set).
 */
export function referenceFfmpeg(): string | undefined {
  const found = findOnPath('ffmpeg');
  return found[0] ?? missing('ffmpeg', 'no ffmpeg on PATH');
}

/** A real service the app tests start (Debian packages `redis-server` and `chromium`). */
export type ServiceBinary = 'redis-server' | 'chromium';

/**
 * The Debian service binary `name` on PATH (`redis-server` for queue tests, `chromium` for browser
 * tests), or `undefined` (after throwing {@link MissingReferenceToolError} when `CI` is set).
 */
export function referenceService(name: ServiceBinary): string | undefined {
  const found = findOnPath(name);
  return found[0] ?? missing(name, `no ${name} on PATH (Debian: apt-get install -y ${name})`);
}
