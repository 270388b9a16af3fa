import { type ChildProcess, spawn } from 'node:child_process';

const live = new Set<ChildProcess>();

/** PIDs of ffmpeg processes this module started that have not exited and been reaped yet. */
export function liveFfmpegPids(): number[] {
  return [...live].map((c) => c.pid ?? -1);
}

/** A spawned ffmpeg with its exit as a promise and a bounded stderr tail. */
export interface FfmpegChild {
  readonly child: ChildProcess;
  /** Resolves when the process has exited and its stdio closed (reaped). */
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: Error }>;
  /** The last ~8 KB of stderr. */
  stderr(): string;
  /** SIGKILL (if still running) and wait until reaped. Safe to call many times. */
  kill(): Promise<void>;
}

const STDERR_TAIL = 8192;

export function spawnFfmpeg(bin: string, args: readonly string[], stdin: 'ignore' | 'pipe'): FfmpegChild {
  const child = spawn(bin, args, { stdio: [stdin, 'pipe', 'pipe'] });
  live.add(child);
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => {
    tail = (tail + s).slice(-STDERR_TAIL);
  });
  let spawnError: Error | undefined;
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: Error }>(
    (resolve) => {
      child.on('error', (e) => {
        spawnError = e;
        // A failed spawn never emits 'close' on some Node versions: settle here too.
        if (child.pid === undefined) {
          live.delete(child);
          resolve({ code: null, signal: null, spawnError: e });
        }
      });
      child.on('close', (code, signal) => {
        live.delete(child);
        resolve({ code, signal, spawnError });
      });
    },
  );
  // Ignore EPIPE on stdin when ffmpeg exits before reading everything.
  child.stdin?.on('error', () => {});
  return {
    child,
    closed,
    stderr: () => tail,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        child.kill('SIGKILL');
      }
      child.stdout?.destroy();
      await closed;
    },
  };
}

/** Runs ffmpeg to completion, collecting stdout as text (for probes and small jobs). */
export async function runFfmpeg(
  bin: string,
  args: readonly string[],
  signal?: AbortSignal,
): Promise<{ code: number | null; stderr: string; stdout: string; aborted: boolean; spawnError?: Error }> {
  const proc = spawnFfmpeg(bin, args, 'ignore');
  let stdout = '';
  proc.child.stdout?.setEncoding('utf8');
  proc.child.stdout?.on('data', (s: string) => {
    stdout += s;
  });
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    void proc.kill();
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await proc.closed;
    return { code: res.code, stderr: proc.stderr(), stdout, aborted, spawnError: res.spawnError };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** The last `n` lines of an ffmpeg log, for error messages. */
export function lastLines(text: string, n = 4): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}
