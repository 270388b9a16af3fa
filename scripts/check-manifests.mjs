#!/usr/bin/env node
// Checks every package manifest against the package template (DESIGN.md) and runs publint on it,
// so a broken exports map or a missing build output fails `npm test`. Run after `turbo run build`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { publint } from 'publint';

const problems = [];
const HEAVY = /^(@tensorflow\/|onnxruntime-)/;

/** Every file under `dir` (none when it does not exist). */
function* walk(dir) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}
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
    // bins: committed files (npm links them at install time, before any build), shipped with the package
    const bins = typeof pj.bin === 'string' ? { [pj.name]: pj.bin } : (pj.bin ?? {});
    for (const [bin, target] of Object.entries(bins)) {
      if (/^(\.\/)?dist\//.test(target))
        say(
          `bin "${bin}" -> ${target} is a build output: npm cannot link it right after \`npm ci\` (commit a launcher under bin/)`,
        );
      else if (!existsSync(join(dir, target))) say(`bin "${bin}" -> ${target} does not exist`);
      if (!pj.private && !pj.files?.some((f) => target.replace(/^\.\//, '').startsWith(f.replace(/\/$/, ''))))
        say(`bin "${bin}" -> ${target} is not in "files" (a published install would lack it)`);
    }
    // heavy runtimes are peers (optional unless running them is the package's job), never dependencies
    for (const dep of Object.keys(pj.dependencies ?? {}))
      if (!pj.private && HEAVY.test(dep))
        say(`"${dep}" must be a peer dependency (optional where only a subpath needs it), not a dependency`);
    // test-only code does not ship: no file under src/ but *.test.ts imports a test framework
    for (const file of walk(join(dir, 'src'))) {
      if (/\.test\.ts$/.test(file) || !/\.[cm]?[jt]s$/.test(file)) continue;
      const text = readFileSync(file, 'utf8');
      const hit = text.match(/from '(vitest|fast-check|@vitest\/[^']*)'/);
      if (hit) say(`${relative(dir, file)} imports ${hit[1]}: test-only code belongs under test/, not src/`);
    }
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
