/**
 * Scoring throughput: parse + validate + score a results file of many models (8 datasets x 4 methods,
 * ~10% missing cells) with vfmkit, against numpy doing the same stratified means and weights on the
 * same file (json.load + vectorised float64), same machine, same run. Also checks the two agree.
 *
 *   npm run bench -w @vfmkit/videoglue-score        (VGS_BENCH_MODELS=20000 by default)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMachine, markdownTable, medianMs, Rng } from '@vfmkit/core';
import { parseResultsFile, type ResultsFile, scoreResultsFile, VIDEOGLUE_SUITE } from '../src/index';

const models = Number(process.env.VGS_BENCH_MODELS ?? 20_000);
const rng = new Rng(7);
const datasets = VIDEOGLUE_SUITE.groups.flatMap((g) => g.datasets);
const methods = VIDEOGLUE_SUITE.methods.map((m) => m.id);
const file: { costs: Record<string, number>; models: Record<string, ResultsFile['models'][string]> } = {
  costs: { frozen: 3.72, mlap: 14.9, adapter: 6.44, e2e: 367 },
  models: {},
};
for (let i = 0; i < models; i++) {
  const scores: Record<string, Record<string, number | null>> = {};
  for (const m of methods) {
    scores[m] = {};
    // K400 always present so that no method is empty
    for (const d of datasets)
      scores[m][d] = d !== 'K400' && rng.uniform() < 0.1 ? null : Math.round(rng.uniform() * 1000) / 10;
  }
  file.models[`model-${i}`] = { costs: { e2e: 360 + (i % 20) }, scores };
}
const text = JSON.stringify(file);
const dir = mkdtempSync(join(tmpdir(), 'vgs-bench-'));
try {
  const path = join(dir, 'results.json');
  writeFileSync(path, text);
  let ours: number[] = [];
  const oursMs = await medianMs(() => {
    const report = scoreResultsFile(parseResultsFile(text));
    ours = Object.values(report.models).map((m) => m.vgs);
  }, 5);

  const py = `
import json, sys, time
import numpy as np
path, reps = sys.argv[1], 5
groups = ${JSON.stringify(VIDEOGLUE_SUITE.groups.map((g) => g.datasets))}
methods = ${JSON.stringify(methods)}
def run():
    with open(path) as f: data = json.load(f)
    names = list(data['models'])
    S = np.empty((len(names), len(methods)))
    C = np.empty((len(names), len(methods)))
    for mi, m in enumerate(methods):
        gm = []
        for g in groups:
            v = np.array([[np.nan if data['models'][n]['scores'][m].get(d) is None else data['models'][n]['scores'][m][d] for d in g] for n in names], dtype=np.float64)
            with np.errstate(invalid='ignore'):
                gm.append(np.nanmean(v, axis=1) if True else None)
        import warnings
        G = np.stack(gm, axis=1)
        S[:, mi] = np.nanmean(G, axis=1)
        C[:, mi] = [data['models'][n].get('costs', {}).get(m, data['costs'][m]) for n in names]
    A = 1 / np.log10(C)
    W = A / A.sum(axis=1, keepdims=True)
    return (W * S).sum(axis=1)
import warnings; warnings.simplefilter('ignore')
times = []
for _ in range(reps):
    t0 = time.perf_counter(); v = run(); times.append((time.perf_counter() - t0) * 1000)
times.sort()
print(json.dumps({'ms': times[len(times) // 2], 'vgs': v.tolist()}))
`;
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const res = spawnSync('/usr/bin/python3', ['-c', py, path], { encoding: 'utf8', env, maxBuffer: 1 << 28 });
  if (res.status !== 0) throw new Error(`numpy peer failed: ${res.stderr}`);
  const peer = JSON.parse(res.stdout) as { ms: number; vgs: number[] };
  let maxDiff = 0;
  for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i] - peer.vgs[i]));

  console.log(
    `VGS scoring of ${models} models x 4 methods x 8 datasets (${(text.length / 2 ** 20).toFixed(1)} MB JSON), median of 5; ${describeMachine()}\n`,
  );
  console.log(
    markdownTable(
      [
        'work',
        'vfmkit (parse + validate + score)',
        'peer: numpy 1.24 (json.load + vectorised)',
        'vfmkit / numpy',
      ],
      [
        [
          `${models} models`,
          `${oursMs.toFixed(0)} ms (${((models / oursMs) * 1000).toFixed(0)} models/s)`,
          `${peer.ms.toFixed(0)} ms (${((models / peer.ms) * 1000).toFixed(0)} models/s)`,
          (oursMs / peer.ms).toFixed(2),
        ],
      ],
    ),
  );
  console.log(`\nmax |VGS vfmkit - VGS numpy| over ${models} models: ${maxDiff.toExponential(2)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
