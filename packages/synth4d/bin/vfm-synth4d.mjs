#!/usr/bin/env node
// vfm-synth4d: runs the built CLI (dist/cli.js: a published install, or a workspace after `turbo run build`);
// in a workspace before any build (right after `npm ci`), runs src/cli-main.ts through tsx with the
// `@vfmkit/source` condition, in this process (see scripts/run-source.mjs).
import { existsSync } from 'node:fs';

const dist = new URL('../dist/cli.js', import.meta.url);
if (existsSync(dist)) {
  await import(dist.href);
} else {
  const { runSource } = await import('../../../scripts/run-source.mjs');
  await runSource(new URL('../src/cli-main.ts', import.meta.url));
}
