import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The committed launcher, run with the current node. */
export const BIN = fileURLToPath(new URL('../bin/vfm-recllm.mjs', import.meta.url));

/** A `vfm-recllm` child process and everything it printed so far. */
export interface CliProcess {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves with the first stdout match of `re` (rejects after `timeoutMs` or on exit). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
}

/** Starts `vfm-recllm ...args`. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const p: CliProcess = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    waitFor(re, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(p.stdout);
          if (m) {
            cleanup();
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `timed out waiting for ${re}; stdout: ${p.stdout.slice(-500)} stderr: ${p.stderr.slice(-1000)}`,
            ),
          );
        }, timeoutMs);
        const onExit = (code: number | null) => {
          cleanup();
          reject(
            new Error(
              `exited (${code}) before ${re}; stdout: ${p.stdout.slice(-500)} stderr: ${p.stderr.slice(-1000)}`,
            ),
          );
        };
        const cleanup = () => {
          clearTimeout(timer);
          child.stdout?.off('data', check);
          child.off('exit', onExit);
        };
        child.stdout?.on('data', check);
        child.on('exit', onExit);
        check();
      });
    },
  };
  child.stdout?.on('data', (d: Buffer) => {
    p.stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    p.stderr += d.toString();
  });
  return p;
}
