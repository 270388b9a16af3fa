import { type Rng, type SeedOrRng, toRng } from '@vfmkit/core';
import { parseSceneConfig, type SceneConfig, type SceneConfigInput } from './config';
import { normalize, type Vec3 } from './internal/mat';
import {
  type CameraMotion,
  COLOR_NAMES,
  COLORS,
  type MotionClass,
  SHAPES,
  type ShapeKind,
  TEXTURES,
  type TextureKind,
} from './labels';
import { type CameraProgram, GRAVITY, type MotionSegment, segmentState } from './motion';

/** One object of a scene. Shapes are centred at the origin of their local frame; +y is up. */
export interface SceneObject {
  /** Instance id in the segmentation (1-based; 0 is the background). */
  readonly id: number;
  readonly shape: ShapeKind;
  /**
   * `sphere`: [r, r, r]; `box`: half-extents [hx, hy, hz]; `cylinder`: [r, h, r] (radius, half-height).
   */
  readonly size: Vec3;
  /** Radius of a sphere around the centre that contains the shape. */
  readonly boundingRadius: number;
  readonly colorName: string;
  readonly color: Vec3;
  readonly color2: Vec3;
  readonly texture: TextureKind;
  /** Cells per unit of the procedural texture. */
  readonly textureScale: number;
  /** Seed of the object's noise texture. */
  readonly textureSeed: number;
  /** Motion program: segments covering frames [0, T). */
  readonly segments: readonly MotionSegment[];
}

/** A procedural scene: ground plane (y = 0), sky, directional light, objects and a camera program. */
export interface Scene {
  readonly config: SceneConfig;
  readonly seed: number;
  readonly objects: readonly SceneObject[];
  readonly camera: CameraProgram;
  /** Unit vector towards the light. */
  readonly light: Vec3;
  readonly ambient: number;
  readonly groundColors: readonly [Vec3, Vec3];
  readonly groundScale: number;
  readonly skyColors: readonly [Vec3, Vec3];
}

function sizeFor(shape: ShapeKind, rng: Rng): Vec3 {
  if (shape === 'sphere') {
    const r = rng.range(0.3, 0.8);
    return [r, r, r];
  }
  if (shape === 'box') return [rng.range(0.25, 0.7), rng.range(0.25, 0.7), rng.range(0.25, 0.7)];
  const r = rng.range(0.25, 0.6);
  return [r, rng.range(0.3, 0.8), r];
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)];
}

/** Splits [0, T) into up to `maxSegments` segments of at least 2 frames (fewer when T is small). */
function segmentBounds(rng: Rng, frames: number, maxSegments: number): number[] {
  const n = Math.min(1 + rng.int(maxSegments), Math.max(1, Math.floor(frames / 2)));
  const cuts = new Set<number>();
  for (let tries = 0; cuts.size < n - 1 && tries < 50; tries++) {
    const c = 2 + rng.int(Math.max(1, frames - 3));
    if (c >= frames - 1) continue;
    let ok = true;
    for (const o of cuts) if (Math.abs(o - c) < 2) ok = false;
    if (ok) cuts.add(c);
  }
  return [0, ...[...cuts].sort((a, b) => a - b), frames];
}

function motionProgram(
  rng: Rng,
  config: SceneConfig,
  start: Vec3,
  restY: number,
  yaw0: number,
): MotionSegment[] {
  const bounds = segmentBounds(rng, config.frames, config.maxSegments);
  const segments: MotionSegment[] = [];
  const speed = config.speed;
  const later = config.motions.filter((m) => m !== 'fall');
  let p: Vec3 = [start[0], restY, start[2]];
  let yaw = yaw0;
  let prev: MotionClass | undefined;
  for (let i = 0; i + 1 < bounds.length; i++) {
    const s = bounds[i];
    const e = bounds[i + 1];
    const dur = (e - s) / config.fps;
    let choices: readonly MotionClass[] = i === 0 || later.length === 0 ? config.motions : later;
    if (choices.length > 1 && prev !== undefined) choices = choices.filter((m) => m !== prev);
    const kind = pick(rng, choices);
    let v: Vec3 = [0, 0, 0];
    let rate = 0;
    let amount = 0;
    let p0: Vec3 = p;
    if (kind === 'linear') {
      const a = rng.range(0, 2 * Math.PI);
      const mag = rng.range(0.8, 1.6) * speed;
      v = [mag * Math.cos(a), 0, mag * Math.sin(a)];
    } else if (kind === 'circular') {
      amount = rng.range(0.5, 1.2);
      rate = (rng.uniform() < 0.5 ? -1 : 1) * rng.range(1.2, 2.4) * speed;
      const a = rng.range(0, 2 * Math.PI);
      v = [p[0] - amount * Math.cos(a), 0, p[2] - amount * Math.sin(a)];
    } else if (kind === 'bounce') {
      amount = rng.range(0.4, 1.0);
      // Whole half-periods, so the object is back on the ground when the segment ends.
      const half = rng.range(0.35, 0.6) / speed;
      rate = dur / Math.max(1, Math.round(dur / half));
    } else if (kind === 'spin') {
      rate = (rng.uniform() < 0.5 ? -1 : 1) * rng.range(2, 4) * speed;
    } else if (kind === 'fall') {
      rate = GRAVITY * speed * speed;
      // Lands within the segment: height <= g * (0.8 dur)^2 / 2.
      const maxDrop = 0.5 * rate * (0.8 * dur) ** 2;
      amount = restY;
      p0 = [p[0], restY + Math.min(rng.range(1, 2.5), Math.max(0.2, maxDrop)), p[2]];
    }
    const seg: MotionSegment = { kind, start: s, end: e, p0, yaw0: yaw, v, rate, amount };
    segments.push(seg);
    const end = segmentState(seg, dur);
    p = [end.position[0], restY, end.position[2]];
    yaw = end.yaw;
    prev = kind;
  }
  return segments;
}

function cameraProgram(rng: Rng, config: SceneConfig): CameraProgram {
  const kind: CameraMotion = pick(rng, config.cameraMotions);
  const azimuth = rng.range(0, 2 * Math.PI);
  const elevation = rng.range(0.3, 0.6);
  const dist = rng.range(5, 6.5);
  const target: Vec3 = [rng.range(-0.3, 0.3), 0.4, rng.range(-0.3, 0.3)];
  const eye: Vec3 = [
    target[0] + dist * Math.cos(elevation) * Math.cos(azimuth),
    target[1] + dist * Math.sin(elevation),
    target[2] + dist * Math.cos(elevation) * Math.sin(azimuth),
  ];
  const sign = rng.uniform() < 0.5 ? -1 : 1;
  let rate = 0;
  const shake: number[] = [];
  if (kind === 'pan') rate = sign * rng.range(0.15, 0.3) * config.speed;
  else if (kind === 'orbit') rate = sign * rng.range(0.3, 0.6) * config.speed;
  else if (kind === 'dolly') rate = rng.range(0.15, 0.3) * config.speed;
  else if (kind === 'shake') {
    for (let i = 0; i < 12; i++)
      shake.push(rng.range(0.04, 0.1), rng.range(2, 5) * config.speed, rng.range(0, 2 * Math.PI));
  }
  return { kind, eye0: eye, target0: target, rate, shake };
}

/**
 * Draws a scene from a seed: 1-8 textured objects on a checkered ground, their motion programs, a
 * light and a camera program. The same seed and config give the same scene on every platform.
 * @throws ConfigError for an invalid config.
 */
export function generateScene(configInput: SceneConfigInput | SceneConfig, seed: SeedOrRng): Scene {
  const config = parseSceneConfig(configInput);
  const rng = toRng(seed);
  const seedValue = typeof seed === 'number' ? seed : -1;
  const count = config.minObjects + rng.int(config.maxObjects - config.minObjects + 1);
  const objects: SceneObject[] = [];
  const placed: { x: number; z: number; r: number }[] = [];
  for (let i = 0; i < count; i++) {
    const shape = pick(rng, SHAPES);
    const size = sizeFor(shape, rng);
    const boundingRadius = Math.hypot(size[0], size[1], size[2]);
    const footprint = shape === 'box' ? Math.hypot(size[0], size[2]) : size[0];
    // The first object (the actor) starts near the centre; others are kept apart where possible.
    let x = 0;
    let z = 0;
    const spread = i === 0 ? 0.8 : 2.6;
    for (let tries = 0; tries < 30; tries++) {
      x = rng.range(-spread, spread);
      z = rng.range(-spread, spread);
      if (placed.every((o) => Math.hypot(o.x - x, o.z - z) > o.r + footprint + 0.1)) break;
    }
    placed.push({ x, z, r: footprint });
    const colorName = pick(rng, COLOR_NAMES);
    const color = [...COLORS[colorName]] as Vec3;
    const color2: Vec3 = [color[0] * 0.3 + 0.05, color[1] * 0.3 + 0.05, color[2] * 0.3 + 0.05];
    const texture = pick(rng, TEXTURES);
    const textureScale = texture === 'noise' ? rng.range(3, 6) : rng.range(2.5, 5);
    const textureSeed = rng.nextU32();
    const yaw0 = rng.range(0, 2 * Math.PI);
    const segments = motionProgram(rng, config, [x, 0, z], size[1], yaw0);
    objects.push({
      id: i + 1,
      shape,
      size,
      boundingRadius,
      colorName,
      color,
      color2,
      texture,
      textureScale,
      textureSeed,
      segments,
    });
  }
  const camera = cameraProgram(rng, config);
  const lightAz = rng.range(0, 2 * Math.PI);
  const lightEl = rng.range(0.6, 1.2);
  const light = normalize([
    Math.cos(lightEl) * Math.cos(lightAz),
    Math.sin(lightEl),
    Math.cos(lightEl) * Math.sin(lightAz),
  ]);
  const g = rng.range(0.45, 0.65);
  const tint = rng.range(-0.06, 0.06);
  const groundColors: [Vec3, Vec3] = [
    [g + tint, g, g - tint],
    [g * 0.6 + tint, g * 0.6, g * 0.6 - tint],
  ];
  return {
    config,
    seed: seedValue,
    objects,
    camera,
    light,
    ambient: rng.range(0.25, 0.4),
    groundColors,
    groundScale: rng.range(0.8, 1.6),
    skyColors: [
      [0.75, 0.82, 0.9],
      [0.35, 0.5, 0.8],
    ],
  };
}
