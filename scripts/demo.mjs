#!/usr/bin/env node
// `npm start`: the main job on built-in synthetic data. Runs the trainer app's demo when it exists;
// until then, the `demo` script of every package that has one, in layering order.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const order = ['core', 'masking', 'videoglue-score', 'synth4d', 'video', 'nn', 'onnx', 'vit-encoder'];
const run = (dir) => {
  const pj = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (!pj.scripts?.demo) return;
  console.log(`\n=== ${pj.name}: demo ===`);
  const r = spawnSync('npm', ['run', '--silent', 'demo', '-w', dir], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
if (existsSync('apps/trainer/package.json')) run('apps/trainer');
else
  for (const name of order)
    if (existsSync(join('packages', name, 'package.json'))) run(join('packages', name));
