import type { Scene } from './scene';
import { Tracer } from './tracer';

/** What {@link renderScene} draws, per frame, row-major. */
export interface RenderedFrames {
  /** `[T, H, W, 3]` linear RGB in [0, 1]. */
  readonly rgb: Float32Array;
  /** `[T, H, W]` z-depth (distance along the optical axis); 0 where the ray sees the sky. */
  readonly depth: Float32Array;
  /** `[T, H, W]` instance ids: 0 = ground or sky, k = object k (1-based). */
  readonly segmentation: Uint8Array;
  /**
   * `[T-1, H, W, 2]` forward optical flow (dx, dy) in pixels: where the surface seen at a pixel
   * centre of frame t projects in frame t+1, minus that centre (occlusion in t+1 is not considered).
   * Present when requested.
   */
  readonly flow?: Float32Array;
}

/**
 * Ray-casts every frame of `scene`: analytic intersections, Lambert shading with ambient light and
 * cast shadows (one shadow ray per lit pixel), z-depth, instance segmentation and optional flow.
 */
export function renderScene(scene: Scene, options: { flow?: boolean } = {}): RenderedFrames {
  const { width: W, height: H, frames: T } = scene.config;
  const withFlow = options.flow ?? scene.config.flow;
  const shadows = scene.config.shadows;
  const rgb = new Float32Array(T * H * W * 3);
  const depth = new Float32Array(T * H * W);
  const segmentation = new Uint8Array(T * H * W);
  const flow = withFlow ? new Float32Array(Math.max(0, T - 1) * H * W * 2) : undefined;
  let tracer = new Tracer(scene);
  let next = new Tracer(scene);
  const { fx, fy, cx, cy } = tracer.k;
  const L = scene.light;
  const ambient = scene.ambient;
  const [horizon, zenith] = scene.skyColors;
  const normal = new Float64Array(3);
  const albedo = new Float64Array(3);
  tracer.setFrame(0);
  for (let f = 0; f < T; f++) {
    const doFlow = flow !== undefined && f + 1 < T;
    if (doFlow) next.setFrame(f + 1);
    const R = tracer.cam.R;
    const eye = tracer.cam.eye;
    const nR = next.cam.R;
    const nEye = next.cam.eye;
    for (let j = 0; j < H; j++) {
      const py = j + 0.5;
      const yn = (py - cy) / fy;
      for (let i = 0; i < W; i++) {
        const px = i + 0.5;
        const xn = (px - cx) / fx;
        // d = R^T [xn, yn, 1]: unnormalized, so the ray parameter is the z-depth.
        const dx = R[0] * xn + R[3] * yn + R[6];
        const dy = R[1] * xn + R[4] * yn + R[7];
        const dz = R[2] * xn + R[5] * yn + R[8];
        const t = tracer.trace(dx, dy, dz, px, py);
        const pix = (f * H + j) * W + i;
        const obj = tracer.hitObject;
        let r: number;
        let g: number;
        let b: number;
        if (obj < 0) {
          const len = Math.sqrt(dx * dx + dy * dy + dz * dz);
          const up = Math.min(1, Math.max(0, (dy / len) * 2.5));
          const band = (Math.floor((Math.atan2(dz, dx) * 24) / Math.PI) & 1) * 0.05;
          r = horizon[0] + (zenith[0] - horizon[0]) * up - band;
          g = horizon[1] + (zenith[1] - horizon[1]) * up - band;
          b = horizon[2] + (zenith[2] - horizon[2]) * up - band;
        } else {
          const wx = eye[0] + t * dx;
          const wy = eye[1] + t * dy;
          const wz = eye[2] + t * dz;
          tracer.hitNormal(normal);
          tracer.hitAlbedo(albedo);
          let lambert = normal[0] * L[0] + normal[1] * L[1] + normal[2] * L[2];
          if (lambert > 0 && shadows && tracer.shadowed(wx, wy, wz, obj)) lambert = 0;
          const shade = ambient + (1 - ambient) * Math.max(0, lambert);
          r = albedo[0] * shade;
          g = albedo[1] * shade;
          b = albedo[2] * shade;
          depth[pix] = t;
          segmentation[pix] = obj;
        }
        rgb[pix * 3] = r < 0 ? 0 : r > 1 ? 1 : r;
        rgb[pix * 3 + 1] = g < 0 ? 0 : g > 1 ? 1 : g;
        rgb[pix * 3 + 2] = b < 0 ? 0 : b > 1 ? 1 : b;
        if (doFlow) {
          // Where the same surface point (or sky direction) lands in frame f + 1.
          let qx: number;
          let qy: number;
          let qz: number;
          let w = 1;
          if (obj > 0) {
            const m = next.rot;
            const o = (obj - 1) * 9;
            const hl = tracer.hitLocal;
            qx = m[o] * hl[0] + m[o + 1] * hl[1] + m[o + 2] * hl[2] + next.pos[(obj - 1) * 3];
            qy = m[o + 3] * hl[0] + m[o + 4] * hl[1] + m[o + 5] * hl[2] + next.pos[(obj - 1) * 3 + 1];
            qz = m[o + 6] * hl[0] + m[o + 7] * hl[1] + m[o + 8] * hl[2] + next.pos[(obj - 1) * 3 + 2];
          } else if (obj === 0) {
            qx = eye[0] + t * dx;
            qy = 0;
            qz = eye[2] + t * dz;
          } else {
            qx = dx;
            qy = dy;
            qz = dz;
            w = 0;
          }
          const ex = qx - w * nEye[0];
          const ey = qy - w * nEye[1];
          const ez = qz - w * nEye[2];
          const zc = nR[6] * ex + nR[7] * ey + nR[8] * ez;
          const fo = pix * 2;
          if (zc > 1e-9) {
            flow![fo] = (fx * (nR[0] * ex + nR[1] * ey + nR[2] * ez)) / zc + cx - px;
            flow![fo + 1] = (fy * (nR[3] * ex + nR[4] * ey + nR[5] * ez)) / zc + cy - py;
          }
        }
      }
    }
    if (doFlow) {
      const swap = tracer;
      tracer = next;
      next = swap;
    } else if (f + 1 < T) tracer.setFrame(f + 1);
  }
  return flow ? { rgb, depth, segmentation, flow } : { rgb, depth, segmentation };
}
