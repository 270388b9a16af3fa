import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TASKS } from './presets';

const bin = fileURLToPath(new URL('../bin/vfm-synth4d.mjs', import.meta.url));
const run = (args: string[], cwd = tmpdir()) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd, timeout: 60_000 });

describe('vfm-synth4d (the committed bin launcher: dist when built, else the sources)', () => {
  it('lists the tasks, and exits 2 on an unknown command and 1 on a bad option', () => {
    const tasks = run(['tasks']);
    expect(tasks.status).toBe(0);
    expect(tasks.stdout.trim().split('\n')).toHaveLength(TASKS.length);
    expect(run(['bogus']).status).toBe(2);
    const bad = run(['preview', '--task', 'depth', '--out', 'x.txt']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--out must end in \.png or \.gif.*\[CONFIG\]/);
  });

  it('writes a preview', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synth4d-cli-'));
    try {
      const r = run(['preview', '--task', 'depth', '--size', '32', '--frames', '4', '--out', 'p.png'], dir);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^p\.png: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
