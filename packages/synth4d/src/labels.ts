/** Object motion classes: the action vocabulary of synth4d (index = class id). */
export const MOTION_CLASSES = ['static', 'linear', 'circular', 'bounce', 'spin', 'fall'] as const;
export type MotionClass = (typeof MOTION_CLASSES)[number];

/** Camera motion classes (index = class id). */
export const CAMERA_MOTIONS = ['static', 'pan', 'orbit', 'dolly', 'shake'] as const;
export type CameraMotion = (typeof CAMERA_MOTIONS)[number];

export const SHAPES = ['sphere', 'box', 'cylinder'] as const;
export type ShapeKind = (typeof SHAPES)[number];

export const TEXTURES = ['checker', 'stripes', 'noise'] as const;
export type TextureKind = (typeof TEXTURES)[number];

/** Named base colors (linear RGB in [0, 1]); objects take one as their main color. */
export const COLORS: Readonly<Record<string, readonly [number, number, number]>> = {
  red: [0.85, 0.15, 0.12],
  green: [0.2, 0.7, 0.25],
  blue: [0.15, 0.3, 0.85],
  yellow: [0.92, 0.82, 0.15],
  purple: [0.55, 0.2, 0.75],
  cyan: [0.15, 0.75, 0.8],
  orange: [0.95, 0.5, 0.1],
  white: [0.92, 0.92, 0.9],
};
export const COLOR_NAMES = Object.keys(COLORS);

/** The most objects a scene holds; per-object tensors are padded to this many slots. */
export const MAX_OBJECTS = 8;
