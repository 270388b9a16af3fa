import { type CameraFrame, cameraFrame, type Intrinsics, intrinsicsOf } from './camera';
import {
  BOX,
  CYLINDER,
  hash3,
  hitBox,
  hitCylinder,
  hitSphere,
  localNormal,
  SPHERE,
  valueNoise,
} from './internal/intersect';
import { poseAt } from './motion';
import type { Scene } from './scene';

const SHAPE_CODE = { sphere: SPHERE, box: BOX, cylinder: CYLINDER } as const;
const TEXTURE_CODE = { checker: 0, stripes: 1, noise: 2 } as const;
/** Rays start this far (relative) past their origin, so a surface does not shadow itself. */
const EPS = 1e-6;

/**
 * Casts rays into one frame of a scene. `setFrame` poses the camera and objects; `trace` finds the
 * nearest surface along `eye + t d` (with `d = R^T [(x - cx) / fx, (y - cy) / fy, 1]`, t is the
 * z-depth); `hitObject` is then -1 (sky), 0 (ground) or the object's id.
 */
export class Tracer {
  readonly scene: Scene;
  readonly k: Intrinsics;
  readonly n: number;
  private readonly kind: Int8Array;
  private readonly size: Float64Array;
  private readonly radius2: Float64Array;
  /** Per object: rotation local->world (9), position (3). */
  readonly rot: Float64Array;
  readonly pos: Float64Array;
  /** Per object: camera eye in the object's local frame. */
  private readonly localEye: Float64Array;
  /** Per object: conservative screen rectangle [x0, y0, x1, y1]. */
  private readonly rect: Float64Array;
  cam: CameraFrame = { R: [1, 0, 0, 0, 1, 0, 0, 0, 1], eye: [0, 0, 0] };
  frame = -1;
  hitObject = -1;
  /** Local (object) or world (ground) coordinates of the last hit. */
  readonly hitLocal = new Float64Array(3);
  private readonly nrm = new Float64Array(3);

  constructor(scene: Scene) {
    this.scene = scene;
    this.k = intrinsicsOf(scene.config);
    const n = scene.objects.length;
    this.n = n;
    this.kind = new Int8Array(n);
    this.size = new Float64Array(n * 3);
    this.radius2 = new Float64Array(n);
    this.rot = new Float64Array(n * 9);
    this.pos = new Float64Array(n * 3);
    this.localEye = new Float64Array(n * 3);
    this.rect = new Float64Array(n * 4);
    scene.objects.forEach((o, i) => {
      this.kind[i] = SHAPE_CODE[o.shape];
      this.size.set(o.size, i * 3);
      this.radius2[i] = o.boundingRadius * o.boundingRadius;
    });
  }

  /** Poses the camera and every object at `frame`. */
  setFrame(frame: number): void {
    const { scene, k } = this;
    this.frame = frame;
    this.cam = cameraFrame(scene, frame);
    const { R, eye } = this.cam;
    scene.objects.forEach((o, i) => {
      const pose = poseAt(o.segments, frame, scene.config.fps);
      this.rot.set(pose.rotation, i * 9);
      this.pos.set(pose.position, i * 3);
      const ex = eye[0] - pose.position[0];
      const ey = eye[1] - pose.position[1];
      const ez = eye[2] - pose.position[2];
      const m = pose.rotation;
      this.localEye[i * 3] = m[0] * ex + m[3] * ey + m[6] * ez;
      this.localEye[i * 3 + 1] = m[1] * ex + m[4] * ey + m[7] * ez;
      this.localEye[i * 3 + 2] = m[2] * ex + m[5] * ey + m[8] * ez;
      // Screen rectangle of the bounding sphere's enclosing cube; the whole image when a corner is behind.
      const r = o.boundingRadius;
      let x0 = Number.POSITIVE_INFINITY;
      let y0 = Number.POSITIVE_INFINITY;
      let x1 = Number.NEGATIVE_INFINITY;
      let y1 = Number.NEGATIVE_INFINITY;
      let behind = false;
      for (let c = 0; c < 8; c++) {
        const px = pose.position[0] + (c & 1 ? r : -r) - eye[0];
        const py = pose.position[1] + (c & 2 ? r : -r) - eye[1];
        const pz = pose.position[2] + (c & 4 ? r : -r) - eye[2];
        const zc = R[6] * px + R[7] * py + R[8] * pz;
        if (zc <= 1e-3) {
          behind = true;
          break;
        }
        const u = (k.fx * (R[0] * px + R[1] * py + R[2] * pz)) / zc + k.cx;
        const v = (k.fy * (R[3] * px + R[4] * py + R[5] * pz)) / zc + k.cy;
        x0 = Math.min(x0, u);
        x1 = Math.max(x1, u);
        y0 = Math.min(y0, v);
        y1 = Math.max(y1, v);
      }
      if (behind) {
        x0 = y0 = Number.NEGATIVE_INFINITY;
        x1 = y1 = Number.POSITIVE_INFINITY;
      }
      this.rect[i * 4] = x0 - 1;
      this.rect[i * 4 + 1] = y0 - 1;
      this.rect[i * 4 + 2] = x1 + 1;
      this.rect[i * 4 + 3] = y1 + 1;
    });
  }

  /** Intersects object `i` with the ray `o + t d` (world coordinates); Infinity when missed. */
  private hitObjectWorld(
    i: number,
    ox: number,
    oy: number,
    oz: number,
    dx: number,
    dy: number,
    dz: number,
    tmin: number,
  ): number {
    const m = this.rot;
    const b = i * 9;
    const px = ox - this.pos[i * 3];
    const py = oy - this.pos[i * 3 + 1];
    const pz = oz - this.pos[i * 3 + 2];
    const lox = m[b] * px + m[b + 3] * py + m[b + 6] * pz;
    const loy = m[b + 1] * px + m[b + 4] * py + m[b + 7] * pz;
    const loz = m[b + 2] * px + m[b + 5] * py + m[b + 8] * pz;
    const ldx = m[b] * dx + m[b + 3] * dy + m[b + 6] * dz;
    const ldy = m[b + 1] * dx + m[b + 4] * dy + m[b + 7] * dz;
    const ldz = m[b + 2] * dx + m[b + 5] * dy + m[b + 8] * dz;
    return this.hitLocalRay(i, lox, loy, loz, ldx, ldy, ldz, tmin);
  }

  private hitLocalRay(
    i: number,
    ox: number,
    oy: number,
    oz: number,
    dx: number,
    dy: number,
    dz: number,
    tmin: number,
  ): number {
    const s = this.size;
    const kind = this.kind[i];
    if (kind === SPHERE) return hitSphere(s[i * 3], ox, oy, oz, dx, dy, dz, tmin);
    if (kind === BOX) return hitBox(s[i * 3], s[i * 3 + 1], s[i * 3 + 2], ox, oy, oz, dx, dy, dz, tmin);
    return hitCylinder(s[i * 3], s[i * 3 + 1], ox, oy, oz, dx, dy, dz, tmin);
  }

  /**
   * Nearest surface along the camera ray `eye + t d`; `px, py` are the ray's pixel coordinates (for
   * culling). Returns t (Infinity for the sky) and sets `hitObject` and `hitLocal`.
   */
  trace(dx: number, dy: number, dz: number, px: number, py: number): number {
    const eye = this.cam.eye;
    let best = Number.POSITIVE_INFINITY;
    let obj = -1;
    if (dy < 0 && eye[1] > 0) {
      best = -eye[1] / dy;
      obj = 0;
    }
    const m = this.rot;
    for (let i = 0; i < this.n; i++) {
      const r = i * 4;
      if (px < this.rect[r] || px > this.rect[r + 2] || py < this.rect[r + 1] || py > this.rect[r + 3])
        continue;
      const b = i * 9;
      const le = i * 3;
      const ldx = m[b] * dx + m[b + 3] * dy + m[b + 6] * dz;
      const ldy = m[b + 1] * dx + m[b + 4] * dy + m[b + 7] * dz;
      const ldz = m[b + 2] * dx + m[b + 5] * dy + m[b + 8] * dz;
      const t = this.hitLocalRay(
        i,
        this.localEye[le],
        this.localEye[le + 1],
        this.localEye[le + 2],
        ldx,
        ldy,
        ldz,
        EPS,
      );
      if (t < best) {
        best = t;
        obj = i + 1;
      }
    }
    this.hitObject = obj;
    if (obj > 0) {
      const i = obj - 1;
      const b = i * 9;
      const ldx = m[b] * dx + m[b + 3] * dy + m[b + 6] * dz;
      const ldy = m[b + 1] * dx + m[b + 4] * dy + m[b + 7] * dz;
      const ldz = m[b + 2] * dx + m[b + 5] * dy + m[b + 8] * dz;
      this.hitLocal[0] = this.localEye[i * 3] + best * ldx;
      this.hitLocal[1] = this.localEye[i * 3 + 1] + best * ldy;
      this.hitLocal[2] = this.localEye[i * 3 + 2] + best * ldz;
    } else if (obj === 0) {
      this.hitLocal[0] = eye[0] + best * dx;
      this.hitLocal[1] = 0;
      this.hitLocal[2] = eye[2] + best * dz;
    }
    return best;
  }

  /** Whether the world point `p` (on object `skip`, 0 for the ground) is in shadow from the light. */
  shadowed(x: number, y: number, z: number, skip: number): boolean {
    const L = this.scene.light;
    for (let i = 0; i < this.n; i++) {
      if (i + 1 === skip) continue;
      // Bounding-sphere rejection first.
      const ox = x - this.pos[i * 3];
      const oy = y - this.pos[i * 3 + 1];
      const oz = z - this.pos[i * 3 + 2];
      const b = ox * L[0] + oy * L[1] + oz * L[2];
      const c = ox * ox + oy * oy + oz * oz - this.radius2[i];
      if ((c > 0 && b > 0) || b * b - c < 0) continue;
      if (this.hitObjectWorld(i, x, y, z, L[0], L[1], L[2], 1e-6) < Number.POSITIVE_INFINITY) return true;
    }
    return false;
  }

  /** World-space unit normal of the last hit (object hits only), written to `out`. */
  hitNormal(out: Float64Array): void {
    const obj = this.hitObject;
    if (obj <= 0) {
      out[0] = 0;
      out[1] = 1;
      out[2] = 0;
      return;
    }
    const i = obj - 1;
    const s = this.size;
    const nl = this.nrm;
    localNormal(
      this.kind[i],
      s[i * 3],
      s[i * 3 + 1],
      s[i * 3 + 2],
      this.hitLocal[0],
      this.hitLocal[1],
      this.hitLocal[2],
      nl,
    );
    const m = this.rot;
    const b = i * 9;
    out[0] = m[b] * nl[0] + m[b + 1] * nl[1] + m[b + 2] * nl[2];
    out[1] = m[b + 3] * nl[0] + m[b + 4] * nl[1] + m[b + 5] * nl[2];
    out[2] = m[b + 6] * nl[0] + m[b + 7] * nl[1] + m[b + 8] * nl[2];
  }

  /** Albedo of the last hit (procedural texture in local coordinates), written to `out`. */
  hitAlbedo(out: Float64Array): void {
    const obj = this.hitObject;
    const h = this.hitLocal;
    if (obj === 0) {
      const sc = this.scene.groundScale;
      const gx = Math.floor(h[0] * sc);
      const gz = Math.floor(h[2] * sc);
      const c = this.scene.groundColors[(gx + gz) & 1];
      // Each tile gets its own brightness, so the ground has texture to track at every scale.
      const grain = 0.85 + 0.3 * hash3(gx, 0, gz, 17);
      out[0] = c[0] * grain;
      out[1] = c[1] * grain;
      out[2] = c[2] * grain;
      return;
    }
    const o = this.scene.objects[obj - 1];
    const s = o.textureScale;
    let w: number;
    const code = TEXTURE_CODE[o.texture];
    if (code === 0) w = (Math.floor(h[0] * s) + Math.floor(h[1] * s) + Math.floor(h[2] * s)) & 1;
    else if (code === 1) w = Math.floor((h[0] + 0.35 * h[1]) * s * 1.5) & 1;
    else w = valueNoise(h[0] * s, h[1] * s, h[2] * s, o.textureSeed);
    const a = o.color;
    const c = o.color2;
    out[0] = a[0] + (c[0] - a[0]) * w;
    out[1] = a[1] + (c[1] - a[1]) * w;
    out[2] = a[2] + (c[2] - a[2]) * w;
  }
}
