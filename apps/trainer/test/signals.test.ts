import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { resolveConfig } from '../src/config/load-config';
import { JsonlLog } from '../src/run/jsonl-log';
import { runFiles } from '../src/train/train';
import { loadTrainState } from '../src/train/train-state';

const root = mkdtempSync(join(tmpdir(), 'vfm-signal-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const bin = fileURLToPath(new URL('../bin/vfm-train.mjs', import.meta.url));

const nanoFlags = [
  '--steps=100000',
  '--checkpointEvery=100000',
  '--batchSize=2',
  '--frames=4',
  '--size=32',
  '--model.variant=nano/8',
  '--decoder.width=32',
  '--decoder.depth=1',
  '--decoder.heads=2',
  '--data.source=synth4d',
  '--data.size=2',
  '--exportOnnx=false',
  '--pictures=false',
  '--no-progress',
];

function loggedSteps(log: string): number[] {
  if (!existsSync(log)) return [];
  return JsonlLog.read(log)
    .filter((r) => r.event === 'step')
    .map((r) => r.step as number);
}

/** Processes whose command line mentions `needle` (besides pgrep itself). */
function processesMentioning(needle: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', needle], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

describe.each([1, 2])('SIGTERM to the pid of vfm-train (%i worker(s), checkpoint far away)', (workers) => {
  it('finishes the current step, writes a checkpoint and exits 143 with no process left', async () => {
    const out = join(root, `w${workers}`);
    const child = spawn(
      process.execPath,
      [bin, 'mae', `--out=${out}`, `--workers=${workers}`, ...nanoFlags],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    onTestFinished(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const log = runFiles(out).log;
    let seen = 0;
    const deadline = Date.now() + 60_000;
    while (seen < 3 && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 10));
      seen = loggedSteps(log).at(-1) ?? 0;
    }
    expect(seen, `training did not reach step 3; stderr: ${stderr}`).toBeGreaterThanOrEqual(3);
    const sentAt = Date.now();
    child.kill('SIGTERM');
    const code = await exited;
    expect(code, stderr).toBe(143);
    expect(Date.now() - sentAt).toBeLessThan(15_000);
    const steps = loggedSteps(log);
    const last = steps.at(-1) as number;
    // At most the step in flight when the signal came, plus the one our polling may have missed.
    expect(last).toBeLessThanOrEqual(seen + 2);
    const stopEvent = JsonlLog.read(log).at(-1);
    expect(stopEvent).toMatchObject({ event: 'stop', step: last, reason: 'SIGTERM' });
    const config = await resolveConfig('mae', {
      overrides: [`--out=${out}`, `--workers=${workers}`, ...nanoFlags.slice(0, -1)],
    });
    const state = await loadTrainState(runFiles(out).checkpoint, config);
    expect(state.step).toBe(last);
    expect(existsSync(runFiles(out).encoder)).toBe(true);
    expect(() => process.kill(child.pid as number, 0)).toThrow();
    expect(processesMentioning(out)).toEqual([]);
    expect(readFileSync(log, 'utf8')).toContain('"event":"checkpoint"');
  });
});
