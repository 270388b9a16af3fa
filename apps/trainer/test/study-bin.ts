import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

const bin = fileURLToPath(new URL('../bin/vfm-study.mjs', import.meta.url));

/**
 * Starts `vfm-study <name> --budget quick --out <out>` as a child process, collecting its output; the
 * child is killed if the test ends first.
 */
export function runQuickStudy(name: string, out: string, env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(process.execPath, [bin, name, '--budget', 'quick', '--out', out], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, exited, output: () => output };
}
