#!/usr/bin/env node
// Release dry run, part of `npm test` (after the build): `npm publish --dry-run` of every publishable
// package, then checks what would ship: the exports map's `dist/` targets are in the tarball, no
// test file or test-only folder ships, and every @vfmkit dependency names a version that exists in
// the workspace. Nothing is uploaded; npm contacts no registry for a dry run.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dirs = readdirSync('packages')
  .map((name) => join('packages', name))
  .filter((dir) => existsSync(join(dir, 'package.json')));
const manifests = new Map(
  dirs.map((dir) => [dir, JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))]),
);
const versions = new Map([...manifests.values()].map((pj) => [pj.name, pj.version]));
const problems = [];
for (const [dir, pj] of manifests) {
  if (pj.private) continue;
  const out = execFileSync('npm', ['publish', '--dry-run', '--ignore-scripts', '--json'], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const report = JSON.parse(out.slice(out.indexOf('{')));
  const info = report[pj.name] ?? report;
  const files = new Set(info.files.map((f) => f.path));
  const say = (msg) => problems.push(`${pj.name}: ${msg}`);
  for (const [sub, target] of Object.entries(pj.exports ?? {})) {
    if (typeof target !== 'object') continue;
    for (const key of ['types', 'default'])
      if (!files.has(target[key].replace(/^\.\//, '')))
        say(`exports["${sub}"].${key} (${target[key]}) is not in the tarball`);
  }
  for (const f of files)
    if (/\.test\.ts$|^test\/|\/internal\/test-|\/fixtures\//.test(f)) say(`ships test file ${f}`);
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dep, range] of Object.entries(pj[field] ?? {})) {
      if (!dep.startsWith('@vfmkit/')) continue;
      const have = versions.get(dep);
      if (!have) say(`${field}.${dep} is not a workspace package`);
      else if (
        !range
          .replace(/^[\^~]/, '')
          .split('.')
          .every((p, i) => i > 0 || p === have.split('.')[0])
      )
        say(`${field}.${dep}@${range} does not match the workspace's ${have}`);
    }
  }
  console.log(`${pj.name}@${pj.version}: ${files.size} files, ${info.size} bytes packed (dry run)`);
}
if (problems.length) {
  console.error(`release dry run: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
