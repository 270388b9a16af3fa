#!/usr/bin/env node
// Runs the evaluator from its TypeScript sources (the app is not published): node with the workspace's
// source condition and tsx's loader.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const r = spawnSync(
  process.execPath,
  ['--conditions=@vfmkit/source', '--import', 'tsx', cli, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
process.exit(r.status ?? (r.signal ? 130 : 1));
