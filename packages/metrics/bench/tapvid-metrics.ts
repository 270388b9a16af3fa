/**
 * TAP-Vid metrics on 8 videos x 256 points x 64 frames: vfmkit vs the numpy reference (the tests' copy,
 * test/reference/metrics_ref.py), same machine, same run.
 *
 *   npm run bench -w @vfmkit/metrics
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine, markdownTable, medianMs, Rng } from '@vfmkit/core';
import { tapVidMetrics } from '../src/index';

const rng = new Rng(0);
const env = { ...process.env };
delete env.OPENBLAS_CORETYPE;
delete env.OPENBLAS_L2_SIZE;
const py = (code: string, input?: string) => {
  const r = spawnSync('/usr/bin/python3', ['-c', code], { env, encoding: 'utf8', input, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
};
// TAP-Vid metrics
const [V, P, T] = [8, 256, 64];
const q = new Float64Array(V * P * 3);
for (let i = 0; i < V * P; i++) q[i * 3] = rng.int(T);
const gtOcc = Uint8Array.from({ length: V * P * T }, () => (rng.uniform() < 0.3 ? 1 : 0));
const prOcc = gtOcc.map((o) => (rng.uniform() < 0.9 ? o : 1 - o));
const gt = Float64Array.from({ length: V * P * T * 2 }, () => rng.uniform() * 256);
const pr = gt.map((x) => x + rng.normal() * 6);
const tapOurs = await medianMs(
  () =>
    tapVidMetrics({
      queryPoints: q,
      gtOccluded: gtOcc,
      predOccluded: prOcc,
      gtTracks: gt,
      predTracks: pr,
      shape: [V, P, T],
      queryMode: 'strided',
    }),
  5,
);
const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'reference', 'metrics_ref.py');
const tapPeer = `
import json, sys, time, importlib.util
import numpy as np
spec = importlib.util.spec_from_file_location('ref', ${JSON.stringify(script)}); ref = importlib.util.module_from_spec(spec); spec.loader.exec_module(ref)
a = json.load(sys.stdin)
V, P, T = ${V}, ${P}, ${T}
args = dict(query_points=np.array(a['q']).reshape(V, P, 3), gt_occluded=np.array(a['go'], bool).reshape(V, P, T),
  pred_occluded=np.array(a['po'], bool).reshape(V, P, T), gt_tracks=np.array(a['gt']).reshape(V, P, T, 2),
  pred_tracks=np.array(a['pr']).reshape(V, P, T, 2), query_mode='strided')
ref.tapvid(**args); ts = []
for _ in range(5):
    t = time.perf_counter(); ref.tapvid(**args); ts.append((time.perf_counter() - t) * 1000)
print(sorted(ts)[2])
`;
const tapNumpy = Number(
  py(tapPeer, JSON.stringify({ q: [...q], go: [...gtOcc], po: [...prOcc], gt: [...gt], pr: [...pr] })),
);

console.log(`Metric benchmarks; ${describeMachine()}\n`);
console.log(
  markdownTable(
    ['what', 'vfmkit', 'peer', 'peer figure', 'vfmkit / peer'],
    [
      [
        `TAP-Vid metrics, ${V} videos x ${P} points x ${T} frames`,
        `${tapOurs.toFixed(1)} ms`,
        'numpy reference (test/reference/metrics_ref.py)',
        `${tapNumpy.toFixed(1)} ms`,
        (tapOurs / tapNumpy).toFixed(2),
      ],
    ],
  ),
);
