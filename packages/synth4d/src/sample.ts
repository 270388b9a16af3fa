import { type SeedOrRng, toRng } from '@vfmkit/core';
import {
  type ActionLabels,
  actionLabels,
  boxesFromSegmentation,
  caption,
  type ObjectBoxes,
} from './annotations';
import { cameraFrame, extrinsicMatrix, type Intrinsics, intrinsicsOf } from './camera';
import { parseSceneConfig, type SceneConfig, type SceneConfigInput } from './config';
import { type RenderedFrames, renderScene } from './render';
import { generateScene, type Scene } from './scene';
import { type PointTracks, sampleTracks } from './tracks';

/** One rendered clip with all of its ground truth. Shapes use T frames, H x W pixels, Q tracks, K objects. */
export interface Synth4dSample extends RenderedFrames {
  readonly seed: number;
  readonly scene: Scene;
  readonly config: SceneConfig;
  /** Pinhole intrinsics (constant over the clip). */
  readonly intrinsics: Intrinsics;
  /** `[T, 4, 4]` world-to-camera matrices, row-major (OpenCV axes: x right, y down, z forward). */
  readonly extrinsics: Float32Array;
  readonly tracks: PointTracks;
  readonly boxes: ObjectBoxes;
  readonly actions: ActionLabels;
  readonly caption: string;
}

/**
 * Generates and renders one clip with every kind of ground truth. Deterministic: the same config
 * and seed give byte-identical arrays.
 * @param seed an integer seed (recorded in the sample) or an Rng.
 * @throws ConfigError for an invalid config.
 * @example
 * const s = renderSample({ width: 64, height: 64, frames: 16, queries: 32 }, 7);
 * s.rgb;   // [16, 64, 64, 3]
 * s.depth; // [16, 64, 64]
 */
export function renderSample(configInput: SceneConfigInput | SceneConfig, seed: SeedOrRng): Synth4dSample {
  const config = parseSceneConfig(configInput);
  const rng = toRng(seed);
  const scene = generateScene(config, rng.fork());
  const frames = renderScene(scene);
  const tracks = sampleTracks(scene, frames, rng.fork());
  const boxes = boxesFromSegmentation(
    frames.segmentation,
    config.frames,
    config.height,
    config.width,
    scene.objects.length,
  );
  const extrinsics = new Float32Array(config.frames * 16);
  for (let f = 0; f < config.frames; f++) extrinsicMatrix(cameraFrame(scene, f), extrinsics, f * 16);
  return {
    ...frames,
    seed: typeof seed === 'number' ? seed : -1,
    scene,
    config,
    intrinsics: intrinsicsOf(config),
    extrinsics,
    tracks,
    boxes,
    actions: actionLabels(scene, boxes),
    caption: caption(scene),
  };
}

/**
 * The scene that `renderSample(config, seed)` renders, without rendering it: cheap, for captions,
 * labels and camera paths of many samples (e.g. training a text vocabulary on a dataset's captions).
 */
export function sampleScene(configInput: SceneConfigInput | SceneConfig, seed: number): Scene {
  return generateScene(parseSceneConfig(configInput), toRng(seed).fork());
}
