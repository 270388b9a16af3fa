#!/usr/bin/env node
// Release dry run: `npm pack` each named package (default: core), install the tarballs in a scratch
// folder with no network, and import them from plain Node (no source condition, only dist/).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const names = process.argv.slice(2).length ? process.argv.slice(2) : ['core'];
const scratch = mkdtempSync(join(tmpdir(), 'vfm-pack-'));
try {
  const tarballs = names.map((name) => {
    const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', scratch], {
      cwd: resolve('packages', name),
      encoding: 'utf8',
    });
    return join(scratch, out.trim().split('\n').at(-1));
  });
  writeFileSync(
    join(scratch, 'package.json'),
    JSON.stringify({ name: 'scratch', private: true, type: 'module' }),
  );
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', ...tarballs], {
    cwd: scratch,
    stdio: 'inherit',
  });
  for (const name of names) {
    const code = `const m = await import('@vfmkit/${name}'); if (Object.keys(m).length === 0) process.exit(3); console.log('@vfmkit/${name}: ' + Object.keys(m).length + ' exports import from the tarball');`;
    execFileSync('node', ['--input-type=module', '-e', code], { cwd: scratch, stdio: 'inherit' });
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
