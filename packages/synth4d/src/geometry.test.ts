import { describe, expect, it } from 'vitest';
import { MOTION_CLASSES } from './labels';
import { poseAt } from './motion';
import { renderSample, type Synth4dSample } from './sample';

// Float64 re-computation of the ground truth from the published camera matrices and motion programs,
// independent of the renderer's inner loops.
const cfg = { width: 32, height: 32, frames: 8, minObjects: 4, maxObjects: 6, queries: 48, flow: true };
const samples = [11, 12, 13].map((seed) => renderSample(cfg, seed));

function E(s: Synth4dSample, f: number): number[] {
  return Array.from(s.extrinsics.subarray(f * 16, f * 16 + 16));
}

function worldPoint(s: Synth4dSample, id: number, local: ArrayLike<number>, f: number): number[] {
  if (id === 0) return [local[0], local[1], local[2]];
  const pose = poseAt(s.scene.objects[id - 1].segments, f, s.config.fps);
  const R = pose.rotation;
  return [0, 1, 2].map(
    (r) => R[r * 3] * local[0] + R[r * 3 + 1] * local[1] + R[r * 3 + 2] * local[2] + pose.position[r],
  );
}

/** Camera coordinates and pixel position through K [R | t]. */
function projectGT(s: Synth4dSample, f: number, p: number[]): { x: number; y: number; z: number } {
  const e = E(s, f);
  const c = [0, 1, 2].map((r) => e[r * 4] * p[0] + e[r * 4 + 1] * p[1] + e[r * 4 + 2] * p[2] + e[r * 4 + 3]);
  const { fx, fy, cx, cy } = s.intrinsics;
  return { x: (fx * c[0]) / c[2] + cx, y: (fy * c[1]) / c[2] + cy, z: c[2] };
}

describe('ground-truth geometry', () => {
  it('a track position is the projection of the same surface point through the camera', () => {
    for (const s of samples) {
      const { count: Q, points, objectIds, localPoints, queries, occluded } = s.tracks;
      const T = s.config.frames;
      for (let q = 0; q < Q; q++) {
        for (let f = 0; f < T; f++) {
          const p = projectGT(s, f, worldPoint(s, objectIds[q], localPoints.subarray(q * 3, q * 3 + 3), f));
          if (p.z <= 0) continue;
          expect(Math.abs(points[(q * T + f) * 2] - p.x)).toBeLessThan(2e-3);
          expect(Math.abs(points[(q * T + f) * 2 + 1] - p.y)).toBeLessThan(2e-3);
        }
        // At its query frame the point sits on the queried pixel centre and is visible.
        const qf = queries[q * 3];
        expect(Math.abs(points[(q * T + qf) * 2] - queries[q * 3 + 2])).toBeLessThan(2e-3);
        expect(Math.abs(points[(q * T + qf) * 2 + 1] - queries[q * 3 + 1])).toBeLessThan(2e-3);
        expect(occluded[q * T + qf]).toBe(0);
        expect((queries[q * 3 + 1] - 0.5) % 1).toBe(0);
      }
    }
  });

  it('depth is the distance along the optical axis: unprojected pixels lie on the segmented surface', () => {
    let checked = 0;
    let worst = 0;
    for (const s of samples) {
      const { width: W, height: H, frames: T } = s.config;
      const { fx, fy, cx, cy } = s.intrinsics;
      for (let f = 0; f < T; f++) {
        const e = E(s, f);
        for (let j = 0; j < H; j++)
          for (let i = 0; i < W; i++) {
            const p = (f * H + j) * W + i;
            const d = s.depth[p];
            if (d === 0) continue;
            // X_cam = d K^-1 [u, v, 1]; X_world = R^T (X_cam - t).
            const xc = [(d * (i + 0.5 - cx)) / fx, (d * (j + 0.5 - cy)) / fy, d];
            const v = [xc[0] - e[3], xc[1] - e[7], xc[2] - e[11]];
            const X = [0, 1, 2].map((c) => e[c] * v[0] + e[4 + c] * v[1] + e[8 + c] * v[2]);
            const id = s.segmentation[p];
            const tol = 2e-5 * d + 1e-5;
            if (id === 0) {
              worst = Math.max(worst, Math.abs(X[1]) / tol);
            } else {
              const o = s.scene.objects[id - 1];
              const pose = poseAt(o.segments, f, s.config.fps);
              const R = pose.rotation;
              const w = [X[0] - pose.position[0], X[1] - pose.position[1], X[2] - pose.position[2]];
              const l = [0, 1, 2].map((c) => R[c] * w[0] + R[3 + c] * w[1] + R[6 + c] * w[2]);
              const [a, b, c] = o.size;
              let onSurface: number;
              if (o.shape === 'sphere') onSurface = Math.hypot(l[0], l[1], l[2]) - a;
              else if (o.shape === 'box')
                onSurface = Math.max(Math.abs(l[0]) / a, Math.abs(l[1]) / b, Math.abs(l[2]) / c) - 1;
              else onSurface = Math.max(Math.hypot(l[0], l[2]) / a, Math.abs(l[1]) / b) - 1;
              worst = Math.max(worst, Math.abs(onSurface) / (tol * 10));
            }
            checked++;
          }
      }
    }
    expect(worst).toBeLessThan(1);
    expect(checked).toBeGreaterThan(3 * 8 * 32 * 20);
  });

  it('occlusion flags agree with the depth buffer away from edges', () => {
    let visible = 0;
    let hidden = 0;
    for (const s of samples) {
      const { width: W, height: H, frames: T } = s.config;
      const { count: Q, points, occluded, objectIds, localPoints } = s.tracks;
      for (let q = 0; q < Q; q++)
        for (let f = 0; f < T; f++) {
          const x = points[(q * T + f) * 2];
          const y = points[(q * T + f) * 2 + 1];
          const p = projectGT(s, f, worldPoint(s, objectIds[q], localPoints.subarray(q * 3, q * 3 + 3), f));
          const inside = p.z > 0 && x >= 0 && x < W && y >= 0 && y < H;
          if (!inside) {
            expect(occluded[q * T + f]).toBe(1);
            continue;
          }
          const i = Math.floor(x);
          const j = Math.floor(y);
          if (i < 1 || j < 1 || i >= W - 1 || j >= H - 1) continue;
          // Interior pixels only: a uniform 3x3 segmentation neighbourhood.
          const id = s.segmentation[(f * H + j) * W + i];
          let uniform = true;
          let lo = Number.POSITIVE_INFINITY;
          let hi = 0;
          for (let dj = -1; dj <= 1; dj++)
            for (let di = -1; di <= 1; di++) {
              const n = (f * H + j + dj) * W + i + di;
              if (s.segmentation[n] !== id) uniform = false;
              lo = Math.min(lo, s.depth[n]);
              hi = Math.max(hi, s.depth[n]);
            }
          if (!uniform || lo <= 0) continue; // objects or ground all around, no sky
          const d = s.depth[(f * H + j) * W + i];
          if (occluded[q * T + f]) {
            expect(d).toBeLessThan(p.z);
            hidden++;
          } else {
            // The point lies inside the centre pixel, so its depth is within the range of the 3x3 depths.
            expect(p.z).toBeGreaterThanOrEqual(lo * (1 - 1e-3));
            expect(p.z).toBeLessThanOrEqual(hi * (1 + 1e-3));
            expect(id).toBe(objectIds[q]);
            visible++;
          }
        }
    }
    expect(visible).toBeGreaterThan(200);
    expect(hidden).toBeGreaterThan(5);
  });

  it('boxes enclose their segmentation exactly', () => {
    for (const s of samples) {
      const { width: W, height: H, frames: T } = s.config;
      const K = s.boxes.count;
      for (let f = 0; f < T; f++)
        for (let k = 0; k < K; k++) {
          const pixels: [number, number][] = [];
          for (let j = 0; j < H; j++)
            for (let i = 0; i < W; i++)
              if (s.segmentation[(f * H + j) * W + i] === k + 1) pixels.push([i, j]);
          expect(s.boxes.visible[f * K + k]).toBe(pixels.length > 0 ? 1 : 0);
          expect(s.boxes.area[f * K + k]).toBe(pixels.length);
          if (pixels.length === 0) continue;
          const b = Array.from(s.boxes.boxes.subarray((f * K + k) * 4, (f * K + k + 1) * 4));
          expect(b).toEqual([
            Math.min(...pixels.map((p) => p[0])),
            Math.min(...pixels.map((p) => p[1])),
            Math.max(...pixels.map((p) => p[0])) + 1,
            Math.max(...pixels.map((p) => p[1])) + 1,
          ]);
        }
    }
  });

  it('camera and object rotations are orthonormal with determinant 1', () => {
    for (const s of samples) {
      for (let f = 0; f < s.config.frames; f++) {
        const e = E(s, f);
        const R = [e[0], e[1], e[2], e[4], e[5], e[6], e[8], e[9], e[10]];
        const mats = [R, ...s.scene.objects.map((o) => [...poseAt(o.segments, f, s.config.fps).rotation])];
        for (const m of mats) {
          for (let a = 0; a < 3; a++)
            for (let b = 0; b < 3; b++) {
              const d = m[a * 3] * m[b * 3] + m[a * 3 + 1] * m[b * 3 + 1] + m[a * 3 + 2] * m[b * 3 + 2];
              expect(d).toBeCloseTo(a === b ? 1 : 0, 6);
            }
          const det =
            m[0] * (m[4] * m[8] - m[5] * m[7]) -
            m[1] * (m[3] * m[8] - m[5] * m[6]) +
            m[2] * (m[3] * m[7] - m[4] * m[6]);
          expect(det).toBeCloseTo(1, 6);
        }
        expect([e[12], e[13], e[14], e[15]]).toEqual([0, 0, 0, 1]);
      }
    }
  });

  it('forward flow at a query pixel moves it to the track position in the next frame', () => {
    let checked = 0;
    for (const s of samples) {
      const { width: W, height: H, frames: T } = s.config;
      const { count: Q, points, queries } = s.tracks;
      for (let q = 0; q < Q; q++) {
        const f = queries[q * 3];
        if (f + 1 >= T) continue;
        const i = queries[q * 3 + 2] - 0.5;
        const j = queries[q * 3 + 1] - 0.5;
        const o = ((f * H + j) * W + i) * 2;
        expect(s.flow![o] + i + 0.5).toBeCloseTo(points[(q * T + f + 1) * 2], 3);
        expect(s.flow![o + 1] + j + 0.5).toBeCloseTo(points[(q * T + f + 1) * 2 + 1], 3);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
    expect(samples[0].flow!.length).toBe(7 * 32 * 32 * 2);
  });

  it('motion segments do what their class says', () => {
    const s = renderSample(
      { width: 8, height: 8, frames: 24, minObjects: 8, maxObjects: 8, queries: 0, maxSegments: 4 },
      5,
    );
    const seen = new Set<string>();
    for (const o of s.scene.objects)
      for (const seg of o.segments) {
        seen.add(seg.kind);
        const at = (f: number) => poseAt(o.segments, f, s.config.fps);
        const a = at(seg.start);
        const b = at(seg.end - 1);
        const moved = Math.hypot(b.position[0] - a.position[0], b.position[2] - a.position[2]);
        if (seg.kind === 'static') {
          expect(moved).toBeLessThan(1e-12);
          expect(b.yaw).toBe(a.yaw);
        }
        if (seg.kind === 'spin') {
          expect(moved).toBeLessThan(1e-12);
          expect(Math.abs(b.yaw - a.yaw)).toBeGreaterThan(0);
        }
        if (seg.kind === 'linear' || seg.kind === 'circular') expect(moved).toBeGreaterThan(0);
        if (seg.kind === 'bounce' || seg.kind === 'fall') {
          expect(moved).toBeLessThan(1e-12);
          expect(Math.max(a.position[1], b.position[1])).toBeGreaterThanOrEqual(o.size[1] - 1e-9);
        }
        if (seg.kind === 'fall') expect(a.position[1]).toBeGreaterThan(b.position[1]);
      }
    expect(seen.size).toBeGreaterThanOrEqual(4);
    expect(MOTION_CLASSES).toContain(s.actions.clipClass);
  });
});
