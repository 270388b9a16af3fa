import { type Mat3, rotY, type Vec3 } from './internal/mat';
import type { CameraMotion, MotionClass } from './labels';

/** Gravity for `fall`, in scene units per second squared (scaled by the config's speed). */
export const GRAVITY = 9.8;

/**
 * One piece of an object's motion program, active on frames `[start, end)`. The state at `start`
 * (position of the centre, yaw) is where the previous segment left the object, so motion is continuous.
 */
export interface MotionSegment {
  readonly kind: MotionClass;
  /** First frame (inclusive). */
  readonly start: number;
  /** Last frame (exclusive). */
  readonly end: number;
  /** Centre at `start`. */
  readonly p0: Vec3;
  /** Yaw (radians about +y) at `start`. */
  readonly yaw0: number;
  /** `linear`: velocity (units/s); `circular`: centre of the circle; otherwise unused. */
  readonly v: Vec3;
  /**
   * `circular`: angular speed (rad/s); `spin`: yaw rate (rad/s); `bounce`: half-period (s);
   * `fall`: gravity (units/s^2).
   */
  readonly rate: number;
  /** `bounce`: height (units); `circular`: radius; `fall`: resting centre height. */
  readonly amount: number;
}

/** An object's pose: its centre in world coordinates and its rotation (local -> world). */
export interface Pose {
  readonly position: Vec3;
  readonly rotation: Mat3;
  readonly yaw: number;
}

/** Position and yaw of a segment at `seconds` after the segment's start. */
export function segmentState(seg: MotionSegment, dt: number): { position: Vec3; yaw: number } {
  const [x, y, z] = seg.p0;
  switch (seg.kind) {
    case 'static':
      return { position: [x, y, z], yaw: seg.yaw0 };
    case 'linear':
      return { position: [x + seg.v[0] * dt, y, z + seg.v[2] * dt], yaw: seg.yaw0 };
    case 'circular': {
      const [cx, , cz] = seg.v;
      const a0 = Math.atan2(z - cz, x - cx);
      const a = a0 + seg.rate * dt;
      return {
        position: [cx + seg.amount * Math.cos(a), y, cz + seg.amount * Math.sin(a)],
        yaw: seg.yaw0 + seg.rate * dt,
      };
    }
    case 'bounce':
      return {
        position: [x, y + seg.amount * Math.abs(Math.sin((Math.PI * dt) / seg.rate)), z],
        yaw: seg.yaw0,
      };
    case 'spin':
      return { position: [x, y, z], yaw: seg.yaw0 + seg.rate * dt };
    case 'fall':
      return { position: [x, Math.max(seg.amount, y - 0.5 * seg.rate * dt * dt), z], yaw: seg.yaw0 };
  }
}

/** The segment active at `frame` (the last one past the end). */
export function segmentAt(segments: readonly MotionSegment[], frame: number): MotionSegment {
  for (const s of segments) if (frame < s.end) return s;
  return segments[segments.length - 1];
}

/** Pose of an object with motion program `segments` at frame `frame` (may be fractional). */
export function poseAt(segments: readonly MotionSegment[], frame: number, fps: number): Pose {
  const seg = segmentAt(segments, frame);
  const { position, yaw } = segmentState(seg, (frame - seg.start) / fps);
  return { position, yaw, rotation: rotY(yaw) };
}

/** A camera motion program: eye and look-at target as functions of time. */
export interface CameraProgram {
  readonly kind: CameraMotion;
  readonly eye0: Vec3;
  readonly target0: Vec3;
  /** `pan`/`orbit`: rad/s; `dolly`: fraction of the distance covered per second. */
  readonly rate: number;
  /** `shake`: amplitudes, frequencies (Hz) and phases of three sinusoids per axis for eye and target. */
  readonly shake: readonly number[];
}

/** Eye and target of the camera at `seconds`. */
export function cameraAt(cam: CameraProgram, seconds: number): { eye: Vec3; target: Vec3 } {
  const [ex, ey, ez] = cam.eye0;
  const [tx, ty, tz] = cam.target0;
  switch (cam.kind) {
    case 'static':
      return { eye: [ex, ey, ez], target: [tx, ty, tz] };
    case 'pan': {
      const a = cam.rate * seconds;
      const dx = tx - ex;
      const dz = tz - ez;
      const c = Math.cos(a);
      const s = Math.sin(a);
      return { eye: [ex, ey, ez], target: [ex + c * dx + s * dz, ty, ez - s * dx + c * dz] };
    }
    case 'orbit': {
      const a = cam.rate * seconds;
      const dx = ex - tx;
      const dz = ez - tz;
      const c = Math.cos(a);
      const s = Math.sin(a);
      return { eye: [tx + c * dx + s * dz, ey, tz - s * dx + c * dz], target: [tx, ty, tz] };
    }
    case 'dolly': {
      const k = Math.max(0.35, 1 - cam.rate * seconds);
      return { eye: [tx + (ex - tx) * k, ty + (ey - ty) * k, tz + (ez - tz) * k], target: [tx, ty, tz] };
    }
    case 'shake': {
      const j = (axis: number) => {
        let v = 0;
        for (let i = 0; i < 2; i++) {
          const o = (axis * 2 + i) * 3;
          v += cam.shake[o] * Math.sin(2 * Math.PI * cam.shake[o + 1] * seconds + cam.shake[o + 2]);
        }
        return v;
      };
      return {
        eye: [ex + j(0), ey + j(1), ez + j(2)],
        target: [tx + j(3) * 0.5, ty + j(4) * 0.5, tz + j(5) * 0.5],
      };
    }
  }
}
