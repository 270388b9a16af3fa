#!/usr/bin/env node
// Checks every package manifest against the package template (DESIGN.md) and runs publint on it,
// so a broken exports map or a missing build output fails `npm test`. Run after `turbo run build`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { publint } from 'publint';

const problems = [];
const roots = ['packages', 'apps'].filter((d) => existsSync(d));
for (const root of roots) {
  for (const name of readdirSync(root)) {
    const dir = join(root, name);
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pj = JSON.parse(readFileSync(file, 'utf8'));
    const say = (msg) => problems.push(`${pj.name ?? dir}: ${msg}`);
    for (const script of ['test', 'typecheck']) if (!pj.scripts?.[script]) say(`missing script "${script}"`);
    if (!existsSync(join(dir, 'README.md'))) say('missing README.md');
    if (existsSync(join(dir, 'bench')) && !pj.scripts?.bench) say('has bench/ but no "bench" script');
    if (pj.private) continue; // apps: not published
    if (!pj.name?.startsWith('@vfmkit/')) say('published packages are named @vfmkit/*');
    if (pj.type !== 'module') say('must be "type": "module" (ESM only)');
    if (pj.sideEffects === undefined) say('must declare "sideEffects"');
    if (!pj.engines?.node) say('must declare engines.node');
    if (pj.publishConfig?.access !== 'public') say('publishConfig.access must be "public"');
    if (!pj.scripts?.build) say('missing script "build"');
    if (!Array.isArray(pj.files) || !pj.files.includes('dist')) say('"files" must include "dist"');
    for (const [sub, target] of Object.entries(pj.exports ?? {})) {
      if (sub === './package.json') continue;
      if (typeof target !== 'object') {
        say(`exports["${sub}"] must be a condition object`);
        continue;
      }
      const keys = Object.keys(target);
      if (keys[0] !== '@vfmkit/source')
        say(`exports["${sub}"] must list the "@vfmkit/source" condition first`);
      if (keys.indexOf('types') > keys.indexOf('default'))
        say(`exports["${sub}"]: "types" must come before "default"`);
      for (const key of ['@vfmkit/source', 'types', 'default']) {
        if (!target[key]) say(`exports["${sub}"] lacks "${key}"`);
        else if (!existsSync(join(dir, target[key])))
          say(`exports["${sub}"].${key} -> ${target[key]} does not exist (built?)`);
      }
    }
    const { messages } = await publint({ pkgDir: dir, strict: true, level: 'warning' });
    for (const m of messages)
      say(`publint ${m.type} ${m.code} at ${m.path?.join('.') ?? ''} ${JSON.stringify(m.args ?? {})}`);
  }
}
if (problems.length) {
  console.error(
    `Package manifests: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join('\n')}`,
  );
  process.exit(1);
}
console.log('Package manifests: all good');
