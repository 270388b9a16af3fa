import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeVariant, initVitWeights } from '@vfmkit/vit-encoder';
import { writeVitOnnx } from '@vfmkit/vit-encoder/onnx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvalReport } from '../src/evaluate';

const BIN = new URL('../bin/vfm-eval.mjs', import.meta.url).pathname;
let dir: string;
let onnx: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vfm-eval-stop-'));
  const config = decodeVariant('nano/8', { frames: 8, imageSize: [32, 32] });
  onnx = join(dir, 'tiny.onnx');
  await writeVitOnnx(onnx, config, initVitWeights(config, 3));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Pids of processes whose command line mentions `needle` (from /proc). */
function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) out.push(Number(entry));
    } catch {
      // the process ended while listing
    }
  }
  return out;
}

/** Direct children of `pid`. */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

/** Whether a process runs (a zombie waiting to be reaped has ended). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((done) => child.on('exit', (code, signal) => done({ code, signal })));
}

describe('vfm-eval stops cleanly on a signal', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    it(`${signal} to the bin's pid: finishes the current unit, writes a partial report, exits 130, leaves no process`, async () => {
      const out = join(dir, `out-${signal}`);
      const child = spawn(
        process.execPath,
        [
          BIN,
          '--encoder',
          onnx,
          '--tasks',
          'pose,depth',
          '--adaptations',
          'frozen,linear',
          '--train-clips',
          '16',
          '--test-clips',
          '4',
          '--steps',
          '80',
          '--threads',
          '1',
          '--out',
          out,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stderr?.on('data', (d) => {
        stderr += String(d);
      });
      const exited = exitOf(child);
      // wait for the first finished unit (a head trained and scored)
      await new Promise<void>((done, fail) => {
        child.stdout?.on('data', (d) => {
          stdout += String(d);
          if (/synth4d\/pose frozen tiny: /.test(stdout)) done();
        });
        child.on('exit', () =>
          fail(new Error(`vfm-eval exited before its first unit:\n${stdout}\n${stderr}`)),
        );
      });
      const pid = child.pid as number;
      const children = childrenOf(pid);
      const sentAt = performance.now();
      process.kill(pid, signal);
      const { code } = await exited;
      const seconds = (performance.now() - sentAt) / 1000;
      expect(code).toBe(130);
      expect(seconds).toBeLessThan(20); // no hang; that depth never started is checked on the report below
      expect(stderr).toContain(`${signal}: stopping after the current unit`);
      // its children (tsx's esbuild service) end with it: they see their pipe close (allow 2 s)
      for (let i = 0; i < 20 && children.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
      expect(children.filter(alive)).toEqual([]);
      expect(processesMentioning(out)).toEqual([]);
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as EvalReport;
      expect(report.status).toBe('partial');
      expect(report.stoppedBy).toBe(signal);
      // pose frozen finished before the signal, at most pose linear after it; depth never started
      expect(report.results[0]).toMatchObject({ task: 'synth4d/pose', method: 'frozen' });
      expect(report.results.length).toBeLessThanOrEqual(2);
      expect(report.results.every((r) => r.task === 'synth4d/pose')).toBe(true);
      expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain(
        `**Partial report**: stopped by ${signal}`,
      );
    });
});
