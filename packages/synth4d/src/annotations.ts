import { CAMERA_MOTIONS, type CameraMotion, MOTION_CLASSES, type MotionClass } from './labels';
import { segmentAt } from './motion';
import type { Scene, SceneObject } from './scene';

/** 2-D boxes of every object in every frame, from the segmentation. */
export interface ObjectBoxes {
  /** K, the number of objects. */
  readonly count: number;
  /**
   * `[T, K, 4]` (x0, y0, x1, y1) in pixels: the tightest box around the object's pixels, pixel edges
   * included (a lone pixel (i, j) gives (i, j, i + 1, j + 1)); zeros where the object is not visible.
   */
  readonly boxes: Float32Array;
  /** `[T, K]` 1 where the object has at least one pixel. */
  readonly visible: Uint8Array;
  /** `[T, K]` visible pixels of the object. */
  readonly area: Int32Array;
}

/** Boxes of objects 1..K from a `[T, H, W]` segmentation. */
export function boxesFromSegmentation(
  segmentation: Uint8Array,
  frames: number,
  height: number,
  width: number,
  objects: number,
): ObjectBoxes {
  const K = objects;
  const boxes = new Float32Array(frames * K * 4);
  const visible = new Uint8Array(frames * K);
  const area = new Int32Array(frames * K);
  const x0 = new Int32Array(K);
  const y0 = new Int32Array(K);
  const x1 = new Int32Array(K);
  const y1 = new Int32Array(K);
  for (let f = 0; f < frames; f++) {
    x0.fill(width);
    y0.fill(height);
    x1.fill(-1);
    y1.fill(-1);
    for (let j = 0; j < height; j++) {
      const row = (f * height + j) * width;
      for (let i = 0; i < width; i++) {
        const id = segmentation[row + i];
        if (id === 0 || id > K) continue;
        const k = id - 1;
        area[f * K + k]++;
        if (i < x0[k]) x0[k] = i;
        if (i > x1[k]) x1[k] = i;
        if (j < y0[k]) y0[k] = j;
        if (j > y1[k]) y1[k] = j;
      }
    }
    for (let k = 0; k < K; k++) {
      if (x1[k] < 0) continue;
      visible[f * K + k] = 1;
      boxes.set([x0[k], y0[k], x1[k] + 1, y1[k] + 1], (f * K + k) * 4);
    }
  }
  return { count: K, boxes, visible, area };
}

/** A temporal segment of one object's motion: frames `[start, end)` with a motion class. */
export interface TemporalSegment {
  /** 1-based object id. */
  readonly objectId: number;
  readonly start: number;
  readonly end: number;
  /** Index into {@link MOTION_CLASSES}. */
  readonly label: number;
  readonly className: MotionClass;
}

/** An actor box at a keyframe (AVA style): the object's box and the motion it performs then. */
export interface ActorBox {
  readonly frame: number;
  readonly objectId: number;
  /** (x0, y0, x1, y1) in pixels. */
  readonly box: readonly [number, number, number, number];
  readonly label: number;
  readonly className: MotionClass;
}

/** Action ground truth of a clip. */
export interface ActionLabels {
  /** Per object (index k = object k + 1): its dominant motion class (most frames; ties: earliest). */
  readonly objectLabels: readonly number[];
  /** The clip's class: the dominant motion of the actor (object 1). */
  readonly clipLabel: number;
  readonly clipClass: MotionClass;
  /** The camera's motion class (index into {@link CAMERA_MOTIONS}). */
  readonly cameraLabel: number;
  readonly cameraClass: CameraMotion;
  /** Every object's motion segments, by object then time. */
  readonly segments: readonly TemporalSegment[];
  /** Actor boxes with their action at keyframes 0, s, 2s, ... (visible objects only). */
  readonly actorBoxes: readonly ActorBox[];
}

/** The motion class an object performs on most frames (ties: the earliest). */
export function dominantMotion(object: SceneObject): MotionClass {
  const frames = new Map<MotionClass, number>();
  for (const s of object.segments) frames.set(s.kind, (frames.get(s.kind) ?? 0) + s.end - s.start);
  let best = object.segments[0].kind;
  for (const s of object.segments) if ((frames.get(s.kind) ?? 0) > (frames.get(best) ?? 0)) best = s.kind;
  return best;
}

/** Action labels, temporal segments and keyframe actor boxes of a scene. */
export function actionLabels(scene: Scene, boxes: ObjectBoxes): ActionLabels {
  const objectLabels = scene.objects.map((o) => MOTION_CLASSES.indexOf(dominantMotion(o)));
  const segments: TemporalSegment[] = [];
  for (const o of scene.objects)
    for (const s of o.segments)
      segments.push({
        objectId: o.id,
        start: s.start,
        end: s.end,
        label: MOTION_CLASSES.indexOf(s.kind),
        className: s.kind,
      });
  const actorBoxes: ActorBox[] = [];
  const K = scene.objects.length;
  for (let f = 0; f < scene.config.frames; f += scene.config.keyframeStride) {
    for (const o of scene.objects) {
      const k = o.id - 1;
      if (!boxes.visible[f * K + k]) continue;
      const at = (f * K + k) * 4;
      const kind = segmentAt(o.segments, f).kind;
      actorBoxes.push({
        frame: f,
        objectId: o.id,
        box: [boxes.boxes[at], boxes.boxes[at + 1], boxes.boxes[at + 2], boxes.boxes[at + 3]],
        label: MOTION_CLASSES.indexOf(kind),
        className: kind,
      });
    }
  }
  const clipLabel = objectLabels[0];
  return {
    objectLabels,
    clipLabel,
    clipClass: MOTION_CLASSES[clipLabel],
    cameraLabel: CAMERA_MOTIONS.indexOf(scene.camera.kind),
    cameraClass: scene.camera.kind,
    segments,
    actorBoxes,
  };
}

/** The verb phrase of each motion class, as captions write it (e.g. `bounce` -> "bounces"). */
export const MOTION_VERBS: Readonly<Record<MotionClass, string>> = {
  static: 'stays still',
  linear: 'slides in a straight line',
  circular: 'moves in a circle',
  bounce: 'bounces',
  spin: 'spins',
  fall: 'falls to the ground',
};
const CAMERA_PHRASE: Record<CameraMotion, string> = {
  static: 'The camera is still.',
  pan: 'The camera pans.',
  orbit: 'The camera orbits the scene.',
  dolly: 'The camera moves in.',
  shake: 'The camera shakes.',
};
const TEXTURE_ADJ = { checker: 'checkered', stripes: 'striped', noise: 'mottled' } as const;
const SHAPE_NOUN = { sphere: 'sphere', box: 'box', cylinder: 'cylinder' } as const;

function describeObject(o: SceneObject): string {
  const size = o.boundingRadius < 0.55 ? 'small ' : o.boundingRadius > 0.9 ? 'large ' : '';
  return `${size}${o.colorName} ${TEXTURE_ADJ[o.texture]} ${SHAPE_NOUN[o.shape]}`;
}

/**
 * A template caption: every object with its size, color, texture, shape and its motions in order,
 * then the camera motion. E.g. "A small red checkered sphere bounces, then spins. A blue striped box
 * stays still. The camera orbits the scene."
 */
export function caption(scene: Scene): string {
  const sentences = scene.objects.map((o) => {
    const what = describeObject(o);
    const verbs = o.segments.map((s) => MOTION_VERBS[s.kind]).join(', then ');
    return `${/^[aeiou]/.test(what) ? 'An' : 'A'} ${what} ${verbs}.`;
  });
  return [...sentences, CAMERA_PHRASE[scene.camera.kind]].join(' ');
}
