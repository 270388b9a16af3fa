import { type SeedOrRng, toRng } from '@vfmkit/core';
import type { RenderedFrames } from './render';
import type { Scene } from './scene';
import { Tracer } from './tracer';

/**
 * Point tracks in TAP-Vid conventions: positions `(x, y)` in pixels of the frame (pixel centres at
 * i + 0.5), `occluded` true where the point is hidden or outside the image, query points as `(t, y, x)`.
 */
export interface PointTracks {
  /** Q, the number of tracked points. */
  readonly count: number;
  /** `[Q, T, 2]` (x, y) in pixels, in every frame (also where occluded). */
  readonly points: Float32Array;
  /** `[Q, T]` 1 where the point is occluded or out of the image. */
  readonly occluded: Uint8Array;
  /** `[Q, 3]` (t, y, x): query frame and position (a pixel centre where the point is visible). */
  readonly queries: Float32Array;
  /** `[Q]` the surface the point lies on: 0 = ground, k = object k. */
  readonly objectIds: Int32Array;
  /** `[Q, 3]` the point in its object's local frame (world coordinates for the ground). */
  readonly localPoints: Float64Array;
}

/** Query frames for a mode: `first` -> [0]; `strided` -> 0, stride, 2 stride, ... */
export function queryFrames(frames: number, mode: 'first' | 'strided', stride: number): number[] {
  if (mode === 'first') return [0];
  const out: number[] = [];
  for (let f = 0; f < frames; f += stride) out.push(f);
  return out;
}

/**
 * Samples `Q = config.queries` points on visible surfaces (ground or objects, never the sky) at
 * the query frames, half of them on objects when objects are visible, and follows each through every
 * frame: its position is the projection of the same surface point (moved by its object's motion);
 * it is occluded when outside the image or when the ray through its projection meets another surface
 * first (an exact depth test against the ray-cast depth).
 */
export function sampleTracks(scene: Scene, frames: RenderedFrames, seed: SeedOrRng): PointTracks {
  const { width: W, height: H, frames: T, queries: Q } = scene.config;
  const rng = toRng(seed);
  const qframes = queryFrames(T, scene.config.queryMode, scene.config.queryStride);
  const points = new Float32Array(Q * T * 2);
  const occluded = new Uint8Array(Q * T);
  const queries = new Float32Array(Q * 3);
  const objectIds = new Int32Array(Q);
  const localPoints = new Float64Array(Q * 3);
  const tracer = new Tracer(scene);
  const { fx, fy, cx, cy } = tracer.k;
  // 1. Queries: pixel centres with a surface, drawn per query frame.
  for (let q = 0; q < Q; q++) {
    const f = qframes[q % qframes.length];
    const base = f * H * W;
    const wantObject = q % 2 === 0;
    let pix = -1;
    for (let tries = 0; tries < 64 && pix < 0; tries++) {
      const p = rng.int(H * W);
      if (frames.depth[base + p] <= 0) continue;
      if (wantObject && tries < 48 && frames.segmentation[base + p] === 0) continue;
      pix = p;
    }
    if (pix < 0) {
      // A frame of almost only sky: take the first surface pixel in scan order from a random start.
      const start = rng.int(H * W);
      for (let k = 0; k < H * W && pix < 0; k++) {
        const p = (start + k) % (H * W);
        if (frames.depth[base + p] > 0) pix = p;
      }
    }
    if (pix < 0) pix = rng.int(H * W);
    const i = pix % W;
    const j = Math.floor(pix / W);
    queries[q * 3] = f;
    queries[q * 3 + 1] = j + 0.5;
    queries[q * 3 + 2] = i + 0.5;
  }
  // 2. Lift each query to its surface point (frame by frame, so each frame is posed once).
  const order = Array.from({ length: Q }, (_, q) => q).sort((a, b) => queries[a * 3] - queries[b * 3]);
  for (const q of order) {
    const f = queries[q * 3];
    if (tracer.frame !== f) tracer.setFrame(f);
    const R = tracer.cam.R;
    const xn = (queries[q * 3 + 2] - cx) / fx;
    const yn = (queries[q * 3 + 1] - cy) / fy;
    const dx = R[0] * xn + R[3] * yn + R[6];
    const dy = R[1] * xn + R[4] * yn + R[7];
    const dz = R[2] * xn + R[5] * yn + R[8];
    tracer.trace(dx, dy, dz, queries[q * 3 + 2], queries[q * 3 + 1]);
    // A sky query (only in a frame without any surface) is pinned to the ground plane's horizon: mark it ground.
    objectIds[q] = Math.max(0, tracer.hitObject);
    localPoints.set(tracer.hitLocal, q * 3);
  }
  // 3. Follow every point through every frame.
  for (let f = 0; f < T; f++) {
    tracer.setFrame(f);
    const { R, eye } = tracer.cam;
    for (let q = 0; q < Q; q++) {
      const id = objectIds[q];
      const l0 = localPoints[q * 3];
      const l1 = localPoints[q * 3 + 1];
      const l2 = localPoints[q * 3 + 2];
      let wx = l0;
      let wy = l1;
      let wz = l2;
      if (id > 0) {
        const m = tracer.rot;
        const o = (id - 1) * 9;
        wx = m[o] * l0 + m[o + 1] * l1 + m[o + 2] * l2 + tracer.pos[(id - 1) * 3];
        wy = m[o + 3] * l0 + m[o + 4] * l1 + m[o + 5] * l2 + tracer.pos[(id - 1) * 3 + 1];
        wz = m[o + 6] * l0 + m[o + 7] * l1 + m[o + 8] * l2 + tracer.pos[(id - 1) * 3 + 2];
      }
      const ex = wx - eye[0];
      const ey = wy - eye[1];
      const ez = wz - eye[2];
      const zc = R[6] * ex + R[7] * ey + R[8] * ez;
      const zSafe = Math.max(zc, 1e-6);
      const x = (fx * (R[0] * ex + R[1] * ey + R[2] * ez)) / zSafe + cx;
      const y = (fy * (R[3] * ex + R[4] * ey + R[5] * ez)) / zSafe + cy;
      points[(q * T + f) * 2] = x;
      points[(q * T + f) * 2 + 1] = y;
      let hidden = zc <= 1e-6 || x < 0 || x >= W || y < 0 || y >= H;
      if (!hidden) {
        const xn = (x - cx) / fx;
        const yn = (y - cy) / fy;
        const t = tracer.trace(
          R[0] * xn + R[3] * yn + R[6],
          R[1] * xn + R[4] * yn + R[7],
          R[2] * xn + R[5] * yn + R[8],
          x,
          y,
        );
        hidden = t < zc * (1 - 1e-5) - 1e-9;
      }
      occluded[q * T + f] = hidden ? 1 : 0;
    }
  }
  return { count: Q, points, occluded, queries, objectIds, localPoints };
}
