#!/usr/bin/env node
// Release dry run: packs every publishable package under packages/ (or the ones named), installs each
// one ALONE into its own empty project from the tarballs (its @vfmkit dependencies as tarballs too,
// offline, from npm's cache), and checks what a user who runs `npm i @vfmkit/<name>` gets:
//   - the install brings neither @tensorflow/tfjs nor onnxruntime-node unless the package itself
//     requires it (a dependency or a non-optional peer: nn needs tfjs, onnx needs ONNX Runtime);
//   - the root entry imports; the root entries of RUNTIME_FREE run (a trivial call) with neither runtime;
//   - every bin runs (`--help`), from dist/ as published;
//   - every subpath of `exports` imports, in a second project that also has the package's optional
//     peers (the @vfmkit ones from their tarballs; third-party runtimes such as tfjs and ONNX Runtime are
//     installed ONCE, in a shared scratch project, and linked in: installing them per project is slow);
//   - `attw --profile esm-only` passes on the tarball (are-the-types-wrong).
// Usage: node scripts/pack-smoke.mjs [name ...]   (after `turbo run build`; no names = all packages)
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const RUNTIMES = ['@tensorflow/tfjs', '@tensorflow/tfjs-core', 'onnxruntime-node'];
/** Optional peers that cannot install offline (their install scripts download binaries): never installed. */
const NEVER_INSTALL = new Set(['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']);
/** Root entries that must RUN with neither runtime installed: a trivial call whose result is checked. */
const RUNTIME_FREE = {
  core: `if (new m.Rng(7).uniform() >= 1 || m.tokenCount(m.tokenGridOf([16, 224, 224], [2, 16, 16])) !== 1568) throw new Error('core');`,
  metrics: `if (Math.abs(m.temporalIou(0, 2, 1, 3) - 1 / 3) > 1e-12) throw new Error('metrics');`,
  masking: `if (m.randomMask({ t: 2, h: 2, w: 2 }, 0.5, 1).masked.length !== 4) throw new Error('masking');`,
  'videoglue-score': `const r = m.computeVgs({ frozen: 40, mlap: 45, adapter: 50, e2e: 55 }, { frozen: 3.72, mlap: 14.9, adapter: 6.44, e2e: 371 }); if (!(r.vgs > 40 && r.vgs < 55)) throw new Error('videoglue-score');`,
  synth4d: `const s = m.renderSample(m.taskConfig('depth', { size: 16, frames: 2 }), 1); if (!s.caption) throw new Error('synth4d');`,
  'vit-encoder': `if (m.vitParameterCount(m.decodeVariant('S/16')) !== 22486656) throw new Error('vit-encoder');`,
  ssl: `if (m.augmentPolicy('strong', 32).spatial.length !== 5) throw new Error('ssl');`,
  tokenizer: `if (m.codebookSize({ quantizer: { kind: 'fsq', levels: [8, 8, 8, 5, 5, 5] } }) !== 64000) throw new Error('tokenizer');`,
  recllm: `const f = m.reciprocalRankFusion([['a', 'b'], ['b', 'c']], 60); if (f[0].id !== 'b') throw new Error('recllm');`,
  'videoprism-distill': `const t = m.TextTokenizer.fromJSON({ model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: { '[PAD]': 0, '[UNK]': 1, a: 2, b: 3 } }, pre_tokenizer: { type: 'WhitespaceSplit' } }); if (t.encode(['a b c'], 4).ids.join() !== '2,3,1,0') throw new Error('videoprism-distill');`,
};

const t0 = performance.now();
const seconds = () => ((performance.now() - t0) / 1000).toFixed(1);

/** Runs a command; resolves to { code, out } (stdout + stderr), never rejects. */
function run(cmd, args, cwd, env = {}) {
  return new Promise((done) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e) => done({ code: -1, out: `${out}${e.message}` }));
    child.on('close', (code) => done({ code: code ?? -1, out }));
  });
}

/** Maps `items` through `fn` with at most `limit` running at once. */
async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

// ---- discover and pack
const all = readdirSync(join(ROOT, 'packages'))
  .filter((d) => existsSync(join(ROOT, 'packages', d, 'package.json')))
  .map((dir) => ({ dir, pj: JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8')) }))
  .filter(({ pj }) => !pj.private && pj.name);
const byName = new Map(all.map((p) => [p.pj.name, p]));
const wanted = process.argv.slice(2);
for (const w of wanted)
  if (!all.some((p) => p.dir === w)) throw new Error(`pack-smoke: no publishable package "${w}"`);
const selected = wanted.length ? all.filter((p) => wanted.includes(p.dir)) : all;
const problems = [];
const say = (pkg, msg) => problems.push(`@vfmkit/${pkg}: ${msg}`);

for (const { dir, pj } of all) {
  for (const [sub, target] of Object.entries(pj.exports ?? {})) {
    const file = typeof target === 'string' ? target : target?.default;
    if (file && !existsSync(join(ROOT, 'packages', dir, file)))
      throw new Error(
        `pack-smoke: ${pj.name} exports["${sub}"] -> ${file} is missing: run \`npx turbo run build\` first`,
      );
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'vfm-pack-'));
const tarballs = join(scratch, 'tarballs');
mkdirSync(tarballs);
try {
  const packed = await run(
    'npm',
    ['pack', '--json', '--pack-destination', tarballs, ...all.map((p) => `--workspace=packages/${p.dir}`)],
    ROOT,
  );
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.out}`);
  const tgz = new Map();
  for (const entry of JSON.parse(packed.out.slice(packed.out.indexOf('['))))
    tgz.set(entry.name, join(tarballs, entry.filename));
  console.log(`pack-smoke: packed ${tgz.size} packages in ${seconds()} s`);

  /** @vfmkit packages a set of names pulls in (dependencies and required peers, transitively). */
  const closure = (names) => {
    const out = new Set();
    const visit = (name) => {
      if (out.has(name)) return;
      const p = byName.get(name);
      if (!p) throw new Error(`pack-smoke: ${name} is not a workspace package`);
      out.add(name);
      const optional = p.pj.peerDependenciesMeta ?? {};
      for (const d of Object.keys(p.pj.dependencies ?? {})) if (d.startsWith('@vfmkit/')) visit(d);
      for (const d of Object.keys(p.pj.peerDependencies ?? {}))
        if (d.startsWith('@vfmkit/') && !optional[d]?.optional) visit(d);
    };
    names.forEach(visit);
    return [...out];
  };

  // ---- one project per package alone; a second one with its optional peers when it has any.
  // Third-party runtimes (tfjs, ONNX Runtime) are installed once in `runtimes/` and linked into the
  // projects that use them; those projects install with --legacy-peer-deps so npm does not add them again.
  /** Third-party peers (name -> range) of a set of @vfmkit packages; `optional` includes optional ones. */
  const thirdPartyPeers = (names, optional) => {
    const out = new Map();
    for (const n of names) {
      const q = byName.get(n).pj;
      for (const [d, range] of Object.entries(q.peerDependencies ?? {}))
        if (
          !d.startsWith('@vfmkit/') &&
          !NEVER_INSTALL.has(d) &&
          (optional || !q.peerDependenciesMeta?.[d]?.optional)
        )
          out.set(d, range);
    }
    return out;
  };
  const projects = [];
  for (const { dir, pj } of selected) {
    const own = closure([pj.name]);
    const requiredRuntimes = [...thirdPartyPeers(own, false).keys()].filter((d) => RUNTIMES.includes(d));
    // a package that requires a runtime gets it linked; any other gets a plain install, so that a
    // non-optional runtime peer anywhere in its tree would be installed by npm and caught below
    projects.push({
      dir,
      pj,
      kind: 'alone',
      specs: own.map((n) => tgz.get(n)),
      link: requiredRuntimes.length ? thirdPartyPeers(own, false) : new Map(),
    });
    const optional = Object.entries(pj.peerDependenciesMeta ?? {})
      .filter(([name, meta]) => meta?.optional && pj.peerDependencies?.[name] && !NEVER_INSTALL.has(name))
      .map(([name]) => name);
    // subpaths are imported in a project with the optional peers; a package without subpaths needs none
    const subpaths = Object.keys(pj.exports ?? {}).filter((k) => k !== '.' && k !== './package.json');
    if (optional.length && subpaths.length) {
      const names = closure([pj.name, ...optional.filter((n) => n.startsWith('@vfmkit/'))]);
      const link = thirdPartyPeers(names, false);
      for (const n of optional.filter((n) => !n.startsWith('@vfmkit/'))) link.set(n, pj.peerDependencies[n]);
      projects.push({ dir, pj, kind: 'with-peers', specs: names.map((n) => tgz.get(n)), link });
    }
  }
  const runtimes = new Map();
  for (const p of projects) for (const [n, r] of p.link) runtimes.set(n, r);
  const npmInstall = (cwd, specs, extra = []) =>
    run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--no-update-notifier',
        '--no-package-lock',
        '--loglevel=error',
        ...extra,
        ...specs,
      ],
      cwd,
    );
  const newProject = (name) => {
    const cwd = join(scratch, name);
    mkdirSync(cwd);
    writeFileSync(
      join(cwd, 'package.json'),
      JSON.stringify({ name: `smoke-${name}`, private: true, type: 'module' }),
    );
    return cwd;
  };
  const limit = Math.max(2, Math.min(6, availableParallelism() * 2));
  const runtimesDir = newProject('runtimes');
  const runtimesReady = runtimes.size
    ? npmInstall(
        runtimesDir,
        [...runtimes].map(([n, r]) => `${n}@${r}`),
      ).then((r) => {
        if (r.code !== 0)
          throw new Error(`pack-smoke: installing the runtimes ${[...runtimes.keys()]} failed:\n${r.out}`);
      })
    : Promise.resolve();
  const installed = await pool(projects, limit, async (p) => {
    const cwd = newProject(`${p.dir}-${p.kind}`);
    const r = await npmInstall(cwd, p.specs, p.link.size ? ['--legacy-peer-deps'] : []);
    if (r.code !== 0) say(p.dir, `npm install (${p.kind}) failed:\n${r.out.trim()}`);
    if (r.code === 0 && p.link.size) {
      await runtimesReady;
      for (const name of p.link.keys()) {
        const from = join(cwd, 'node_modules', name);
        if (existsSync(from)) continue;
        mkdirSync(dirname(from), { recursive: true });
        symlinkSync(join(runtimesDir, 'node_modules', name), from, 'dir');
      }
    }
    return { ...p, cwd, ok: r.code === 0 };
  });
  await runtimesReady;
  console.log(
    `pack-smoke: installed ${projects.length} scratch projects (+ runtimes: ${[...runtimes.keys()].join(', ') || 'none'}) in ${seconds()} s`,
  );

  // ---- checks (import and run in each project), and attw on each tarball, in parallel
  const checks = [];
  for (const p of installed.filter((x) => x.ok)) {
    const { dir, pj, cwd } = p;
    const subpaths = Object.keys(pj.exports ?? { '.': {} }).filter((s) => s !== './package.json');
    const hasPeersProject = installed.some((x) => x.dir === dir && x.kind === 'with-peers');
    if (p.kind === 'alone') {
      const needs = new Set([
        ...Object.keys(pj.dependencies ?? {}),
        ...Object.keys(pj.peerDependencies ?? {}).filter((d) => !pj.peerDependenciesMeta?.[d]?.optional),
      ]);
      for (const rt of RUNTIMES) {
        const required = needs.has(rt) || (rt === '@tensorflow/tfjs-core' && needs.has('@tensorflow/tfjs'));
        if (!required && existsSync(join(cwd, 'node_modules', rt))) {
          const why = await run('npm', ['explain', rt], cwd);
          say(
            dir,
            `installing it alone brings ${rt}, which it does not require (make it an optional peer):\n${why.out.trim().split('\n').slice(0, 12).join('\n')}`,
          );
        }
      }
      const code = [
        `const m = await import('${pj.name}');`,
        RUNTIME_FREE[dir] ?? '',
        ...(RUNTIME_FREE[dir]
          ? RUNTIMES.map(
              (rt) =>
                `if (await import('${rt}').then(() => true, () => false)) throw new Error('${rt} is installed');`,
            )
          : []),
      ].join('\n');
      checks.push({
        dir,
        what: RUNTIME_FREE[dir] ? 'root entry runs without a runtime' : 'root entry imports',
        cwd,
        args: ['--input-type=module', '-e', code],
      });
      for (const bin of Object.keys(
        typeof pj.bin === 'string' ? { [pj.name.split('/')[1]]: pj.bin } : (pj.bin ?? {}),
      ))
        checks.push({
          dir,
          what: `bin ${bin} --help`,
          cwd,
          args: [join(cwd, 'node_modules', '.bin', bin), '--help'],
        });
    }
    if (p.kind === 'with-peers' || !hasPeersProject) {
      for (const sub of subpaths.filter((s) => s !== '.')) {
        const spec = `${pj.name}${sub.slice(1)}`;
        const code = `await import('${spec}');`;
        checks.push({ dir, what: `${spec} imports`, cwd, args: ['--input-type=module', '-e', code] });
      }
    }
  }
  const attw = join(ROOT, 'node_modules', '.bin', 'attw');
  const jobs = [
    ...checks.map((c) => async () => {
      const r = await run(process.execPath, c.args, c.cwd);
      if (r.code !== 0) say(c.dir, `${c.what}: failed\n${r.out.trim().split('\n').slice(-8).join('\n')}`);
    }),
    ...selected.map(({ dir, pj }) => async () => {
      const r = await run(
        attw,
        [tgz.get(pj.name), '--profile', 'esm-only', '--format', 'ascii', '--no-emoji'],
        ROOT,
      );
      if (r.code !== 0) say(dir, `attw --profile esm-only:\n${r.out.trim()}`);
    }),
  ];
  await pool(jobs, limit, (job) => job());
  console.log(
    `pack-smoke: ${selected.length} packages, ${checks.length} import/run/bin checks and attw on each tarball in ${seconds()} s`,
  );
} finally {
  // the scratch projects hold a few hundred MB: delete them in the background, not on the clock
  const rm = spawn('rm', ['-rf', scratch], { detached: true, stdio: 'ignore' });
  rm.on('error', () => rmSync(scratch, { recursive: true, force: true }));
  rm.unref();
}
if (problems.length) {
  console.error(`pack-smoke: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log('pack-smoke: all good');
