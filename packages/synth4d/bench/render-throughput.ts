/**
 * Clip rendering throughput with all ground truth (RGB, depth, segmentation, 64 point tracks, boxes,
 * actions, caption), 4 objects, 16 frames, at 64 x 64 and 224 x 224: in the calling thread, and
 * through the worker pool with 1 and 2 workers. Peer: a numpy ray caster of the same size run in the
 * same process tree (4 spheres + ground plane, Lambert + ambient, one shadow ray per pixel; no textures,
 * no ground truth beyond depth), vectorized over all pixels of a frame.
 *
 *   npm run bench -w @vfmkit/synth4d
 */
import { spawnSync } from 'node:child_process';
import { describeMachine, markdownTable, medianMs } from '@vfmkit/core';
import { RenderPool, renderSample, taskConfig } from '../src/index';

const PEER = String.raw`
import sys, time, numpy as np
S, T = int(sys.argv[1]), 16
rng = np.random.default_rng(0)
def frame(f):
    th = 0.05 * f
    eye = np.array([6 * np.cos(th), 3.0, 6 * np.sin(th)]); fwd = -eye / np.linalg.norm(eye)
    right = np.cross(fwd, [0, 1, 0]); right /= np.linalg.norm(right); down = np.cross(fwd, right)
    fpx = S / 2 / np.tan(np.pi / 6)
    u, v = np.meshgrid((np.arange(S) + 0.5 - S / 2) / fpx, (np.arange(S) + 0.5 - S / 2) / fpx)
    d = u[..., None] * right + v[..., None] * down + fwd
    d = d.reshape(-1, 3)
    centers = np.array([[0, .5, 0], [1.5, .4, .5], [-1.2, .6, -.8], [.3, .3, 1.6]]) + 0.02 * f
    radii = np.array([.5, .4, .6, .3])
    best = np.where(d[:, 1] < 0, -eye[1] / np.minimum(d[:, 1], -1e-12), np.inf); obj = np.where(np.isfinite(best), 0, -1)
    a = (d * d).sum(1)
    for k in range(4):
        oc = eye - centers[k]; b = d @ oc; c = oc @ oc - radii[k] ** 2; disc = b * b - a * c
        t = np.where(disc >= 0, (-b - np.sqrt(np.maximum(disc, 0))) / a, np.inf); t = np.where(t > 0, t, np.inf)
        m = t < best; best[m] = t[m]; obj[m] = k + 1
    p = eye + best[:, None] * np.where(np.isfinite(best), 1, 0)[:, None] * d
    n = np.tile([0.0, 1.0, 0.0], (len(d), 1))
    for k in range(4):
        m = obj == k + 1; n[m] = (p[m] - centers[k]) / radii[k]
    L = np.array([.4, .8, .3]); L /= np.linalg.norm(L)
    lam = np.maximum(n @ L, 0)
    shadow = np.zeros(len(d), bool)
    for k in range(4):
        oc = p - centers[k]; b = oc @ L; c = (oc * oc).sum(1) - radii[k] ** 2
        shadow |= (b * b - c >= 0) & (-b - np.sqrt(np.maximum(b * b - c, 0)) > 1e-6) & (obj != k + 1)
    albedo = np.where((np.floor(p[:, 0]) + np.floor(p[:, 2])) % 2 == 0, 0.6, 0.4)
    rgb = albedo[:, None] * (0.3 + 0.7 * lam * ~shadow)[:, None] * np.ones(3)
    return rgb.reshape(S, S, 3).astype(np.float32), np.where(np.isfinite(best), best, 0).reshape(S, S).astype(np.float32)
def clip():
    return [frame(f) for f in range(T)]
clip()
ts = []
for _ in range(int(sys.argv[2])):
    t0 = time.perf_counter(); clip(); ts.append((time.perf_counter() - t0) * 1000)
print(sorted(ts)[len(ts) // 2])
`;

function peerMs(size: number, reps: number): number | undefined {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync('/usr/bin/python3', ['-c', PEER, String(size), String(reps)], {
    env,
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    console.error(`numpy peer failed: ${r.stderr}`);
    return undefined;
  }
  return Number(r.stdout.trim());
}

async function poolClipsPerSecond(
  workers: number,
  config: ReturnType<typeof taskConfig>,
  clips: number,
): Promise<number> {
  const pool = new RenderPool(workers);
  try {
    await Promise.all(Array.from({ length: workers }, (_, i) => pool.render(config, 1000 + i))); // warm up
    const t0 = performance.now();
    await Promise.all(Array.from({ length: clips }, (_, i) => pool.render(config, i)));
    return (clips / (performance.now() - t0)) * 1000;
  } finally {
    await pool.close();
  }
}

const rows: (string | number)[][] = [];
for (const size of [64, 224]) {
  const config = taskConfig('tracking', { size, frames: 16, objects: 4, queries: 64 });
  const reps = size === 64 ? 21 : 5;
  let seed = 0;
  const ms = await medianMs(() => renderSample(config, seed++), reps, 2);
  const peer = peerMs(size, size === 64 ? 11 : 5);
  const n = size === 64 ? 60 : 8;
  const one = await poolClipsPerSecond(1, config, n);
  const two = await poolClipsPerSecond(2, config, n);
  rows.push([
    `16 x ${size} x ${size}, 4 objects, all GT`,
    `${ms.toFixed(1)} ms/clip (${(1000 / ms).toFixed(1)} clips/s)`,
    peer === undefined ? 'n/a' : `${peer.toFixed(1)} ms/clip`,
    peer === undefined ? 'n/a' : (ms / peer).toFixed(2),
    one.toFixed(1),
    two.toFixed(1),
    (two / one).toFixed(2),
  ]);
}
console.log(`synth4d render throughput; ${describeMachine()}\n`);
console.log(
  markdownTable(
    [
      'clip',
      'synth4d, 1 thread (median)',
      'peer: numpy ray caster (spheres+plane, no GT)',
      'synth4d / peer time',
      'pool 1 worker clips/s',
      'pool 2 workers clips/s',
      '2w / 1w',
    ],
    rows,
  ),
);
