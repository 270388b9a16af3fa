import { ConfigError, parseConfig } from '@vfmkit/core';
import { z } from 'zod';
import { CAMERA_MOTIONS, MAX_OBJECTS, MOTION_CLASSES } from './labels';

const posInt = z.number().int().positive();

/** The zod schema of {@link SceneConfig}; every field has a default. */
export const sceneConfigSchema = z
  .object({
    /** Image width in pixels. */
    width: posInt.max(4096).default(64),
    /** Image height in pixels. */
    height: posInt.max(4096).default(64),
    /** Frames per clip. */
    frames: posInt.max(4096).default(16),
    /** Frames per second: converts frame indices to seconds for the motion programs. */
    fps: z.number().positive().max(240).default(12),
    /** Fewest and most objects (1-8). */
    minObjects: posInt.max(MAX_OBJECTS).default(1),
    maxObjects: posInt.max(MAX_OBJECTS).default(4),
    /** Multiplies every speed (linear, angular, bounce rate, camera motion). */
    speed: z.number().positive().max(20).default(1),
    /** Most motion segments per object: >1 makes motions change at random times. */
    maxSegments: posInt.max(16).default(3),
    /** Object motion classes to draw from. */
    motions: z
      .array(z.enum(MOTION_CLASSES))
      .min(1)
      .default([...MOTION_CLASSES]),
    /** Camera motion programs to draw from. */
    cameraMotions: z
      .array(z.enum(CAMERA_MOTIONS))
      .min(1)
      .default([...CAMERA_MOTIONS]),
    /** Point-track queries per clip (0 disables tracks). */
    queries: z.number().int().nonnegative().max(100_000).default(32),
    /** TAP-Vid query mode: `first` samples queries in frame 0, `strided` in every `queryStride`-th frame. */
    queryMode: z.enum(['first', 'strided']).default('strided'),
    queryStride: posInt.default(5),
    /** Render forward optical flow `[T-1, H, W, 2]`. */
    flow: z.boolean().default(false),
    /** Cast shadows (one shadow ray per lit pixel). */
    shadows: z.boolean().default(true),
    /** Frames between two keyframes of actor boxes (AVA style). */
    keyframeStride: posInt.default(4),
    /** Horizontal field of view in degrees. */
    fovDegrees: z.number().gt(5).lt(170).default(60),
  })
  .strict();

/** A scene and render configuration (all sizes in pixels or frames). Validated by {@link parseSceneConfig}. */
export type SceneConfig = z.output<typeof sceneConfigSchema>;
/** The input form of {@link SceneConfig}: every field optional. */
export type SceneConfigInput = z.input<typeof sceneConfigSchema>;

/**
 * Validates a partial config and fills defaults.
 * @throws ConfigError naming the first bad key (`key`), with every zod issue in `details.issues`.
 */
export function parseSceneConfig(input: SceneConfigInput = {}): SceneConfig {
  const config = parseConfig(sceneConfigSchema, input, 'synth4d config');
  if (config.minObjects > config.maxObjects) {
    throw new ConfigError(
      `synth4d config: minObjects (${config.minObjects}) exceeds maxObjects (${config.maxObjects})`,
      { key: 'minObjects', minObjects: config.minObjects, maxObjects: config.maxObjects },
    );
  }
  return config;
}
