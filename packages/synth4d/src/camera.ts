import type { SceneConfig } from './config';
import { lookAt, type Mat3, type Vec3 } from './internal/mat';
import { cameraAt } from './motion';
import type { Scene } from './scene';

/** Pinhole intrinsics in pixels. Pixel (col i, row j) covers [i, i+1) x [j, j+1); its centre is (i + 0.5, j + 0.5). */
export interface Intrinsics {
  readonly fx: number;
  readonly fy: number;
  readonly cx: number;
  readonly cy: number;
}

/**
 * The camera at one frame, OpenCV convention (x right, y down, z forward; world +y is up):
 * `x_cam = R (x_world - eye)`, i.e. world-to-camera extrinsics `[R | -R eye]`.
 */
export interface CameraFrame {
  /** World-to-camera rotation (rows: camera axes in world coordinates). */
  readonly R: Mat3;
  /** Camera centre in world coordinates. */
  readonly eye: Vec3;
}

/** Intrinsics from the config's size and horizontal field of view (square pixels, centred principal point). */
export function intrinsicsOf(config: SceneConfig): Intrinsics {
  const f = config.width / 2 / Math.tan((config.fovDegrees * Math.PI) / 360);
  return { fx: f, fy: f, cx: config.width / 2, cy: config.height / 2 };
}

/** The camera of `scene` at `frame`. */
export function cameraFrame(scene: Scene, frame: number): CameraFrame {
  const { eye, target } = cameraAt(scene.camera, frame / scene.config.fps);
  return { R: lookAt(eye, target), eye };
}

/** The 4x4 world-to-camera matrix `[[R, -R eye], [0, 0, 0, 1]]`, row-major, written at `out[offset..]`. */
export function extrinsicMatrix(cam: CameraFrame, out: Float32Array | Float64Array, offset = 0): void {
  const { R, eye } = cam;
  for (let i = 0; i < 3; i++) {
    out[offset + i * 4] = R[i * 3];
    out[offset + i * 4 + 1] = R[i * 3 + 1];
    out[offset + i * 4 + 2] = R[i * 3 + 2];
    out[offset + i * 4 + 3] = -(R[i * 3] * eye[0] + R[i * 3 + 1] * eye[1] + R[i * 3 + 2] * eye[2]);
  }
  out[offset + 12] = 0;
  out[offset + 13] = 0;
  out[offset + 14] = 0;
  out[offset + 15] = 1;
}

/** Projects a world point: `[x, y, z_cam]` in pixels (z is the depth along the optical axis). */
export function project(cam: CameraFrame, k: Intrinsics, p: Vec3): Vec3 {
  const dx = p[0] - cam.eye[0];
  const dy = p[1] - cam.eye[1];
  const dz = p[2] - cam.eye[2];
  const R = cam.R;
  const xc = R[0] * dx + R[1] * dy + R[2] * dz;
  const yc = R[3] * dx + R[4] * dy + R[5] * dz;
  const zc = R[6] * dx + R[7] * dy + R[8] * dz;
  return [(k.fx * xc) / zc + k.cx, (k.fy * yc) / zc + k.cy, zc];
}
