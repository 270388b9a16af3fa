import { CheckpointError, readSafetensors, type Tensor } from '@vfmkit/core';
import { MAX_OBJECTS } from './labels';
import type { Synth4dSample } from './sample';

/** One clip's line in a dataset's `index.jsonl`: where its tensors are and its variable-length ground truth. */
export interface IndexEntry {
  /** Shard file name (relative to the dataset folder). */
  readonly shard: string;
  /** Position of the clip inside the shard's batch dimension. */
  readonly index: number;
  /** Position of the clip in the dataset. */
  readonly clip: number;
  readonly seed: number;
  readonly caption: string;
  readonly clipLabel: number;
  readonly clipClass: string;
  readonly cameraLabel: number;
  readonly cameraClass: string;
  readonly objectLabels: readonly number[];
  readonly objects: readonly {
    id: number;
    shape: string;
    color: string;
    texture: string;
    motions: string[];
  }[];
  readonly segments: readonly {
    objectId: number;
    start: number;
    end: number;
    label: number;
    className: string;
  }[];
  readonly actorBoxes: readonly {
    frame: number;
    objectId: number;
    box: readonly number[];
    label: number;
    className: string;
  }[];
}

/** The index line of a sample. */
export function indexEntry(sample: Synth4dSample, shard: string, index: number, clip: number): IndexEntry {
  const a = sample.actions;
  return {
    shard,
    index,
    clip,
    seed: sample.seed,
    caption: sample.caption,
    clipLabel: a.clipLabel,
    clipClass: a.clipClass,
    cameraLabel: a.cameraLabel,
    cameraClass: a.cameraClass,
    objectLabels: a.objectLabels,
    objects: sample.scene.objects.map((o) => ({
      id: o.id,
      shape: o.shape,
      color: o.colorName,
      texture: o.texture,
      motions: o.segments.map((s) => s.kind),
    })),
    segments: a.segments.map((s) => ({ ...s })),
    actorBoxes: a.actorBoxes.map((b) => ({ ...b, box: [...b.box] })),
  };
}

/**
 * Stacks samples of one config into shard tensors (B clips, K = 8 object slots padded):
 * `rgb` U8 `[B, T, H, W, 3]` (x255, rounded), `depth` F32 `[B, T, H, W]`, `segmentation` U8 `[B, T, H, W]`,
 * `flow` F32 `[B, T-1, H, W, 2]` (when rendered), `intrinsics` F32 `[B, 4]` (fx, fy, cx, cy),
 * `extrinsics` F32 `[B, T, 4, 4]`, `tracks` F32 `[B, Q, T, 2]`, `occluded` U8 `[B, Q, T]`,
 * `query_points` F32 `[B, Q, 3]` (t, y, x), `boxes` F32 `[B, T, 8, 4]`, `box_visible` U8 `[B, T, 8]`,
 * `object_labels` I32 `[B, 8]` (-1 for empty slots), `clip_label` I32 `[B]`, `camera_label` I32 `[B]`.
 */
export function packSamples(samples: readonly Synth4dSample[]): Record<string, Tensor> {
  if (samples.length === 0) throw new CheckpointError('cannot pack an empty shard', {});
  const { width: W, height: H, frames: T, queries: Q } = samples[0].config;
  const B = samples.length;
  const K = MAX_OBJECTS;
  const withFlow = samples[0].flow !== undefined;
  for (const s of samples) {
    const c = s.config;
    if (
      c.width !== W ||
      c.height !== H ||
      c.frames !== T ||
      c.queries !== Q ||
      (s.flow !== undefined) !== withFlow
    )
      throw new CheckpointError('every clip of a shard must share size, frames, queries and flow', {
        seed: s.seed,
      });
  }
  const px = T * H * W;
  const rgb = new Uint8Array(B * px * 3);
  const depth = new Float32Array(B * px);
  const segmentation = new Uint8Array(B * px);
  const flow = withFlow ? new Float32Array(B * Math.max(0, T - 1) * H * W * 2) : undefined;
  const intrinsics = new Float32Array(B * 4);
  const extrinsics = new Float32Array(B * T * 16);
  const tracks = new Float32Array(B * Q * T * 2);
  const occluded = new Uint8Array(B * Q * T);
  const queryPoints = new Float32Array(B * Q * 3);
  const boxes = new Float32Array(B * T * K * 4);
  const boxVisible = new Uint8Array(B * T * K);
  const objectLabels = new Int32Array(B * K).fill(-1);
  const clipLabel = new Int32Array(B);
  const cameraLabel = new Int32Array(B);
  samples.forEach((s, b) => {
    for (let i = 0; i < px * 3; i++) rgb[b * px * 3 + i] = Math.round(s.rgb[i] * 255);
    depth.set(s.depth, b * px);
    segmentation.set(s.segmentation, b * px);
    if (flow && s.flow) flow.set(s.flow, b * s.flow.length);
    const k = s.intrinsics;
    intrinsics.set([k.fx, k.fy, k.cx, k.cy], b * 4);
    extrinsics.set(s.extrinsics, b * T * 16);
    tracks.set(s.tracks.points, b * Q * T * 2);
    occluded.set(s.tracks.occluded, b * Q * T);
    queryPoints.set(s.tracks.queries, b * Q * 3);
    const n = s.boxes.count;
    for (let f = 0; f < T; f++)
      for (let o = 0; o < n; o++) {
        boxes.set(s.boxes.boxes.subarray((f * n + o) * 4, (f * n + o + 1) * 4), ((b * T + f) * K + o) * 4);
        boxVisible[(b * T + f) * K + o] = s.boxes.visible[f * n + o];
      }
    objectLabels.set(s.actions.objectLabels, b * K);
    clipLabel[b] = s.actions.clipLabel;
    cameraLabel[b] = s.actions.cameraLabel;
  });
  const out: Record<string, Tensor> = {
    rgb: { dtype: 'U8', shape: [B, T, H, W, 3], data: rgb },
    depth: { dtype: 'F32', shape: [B, T, H, W], data: depth },
    segmentation: { dtype: 'U8', shape: [B, T, H, W], data: segmentation },
  };
  if (flow) out.flow = { dtype: 'F32', shape: [B, Math.max(0, T - 1), H, W, 2], data: flow };
  Object.assign(out, {
    intrinsics: { dtype: 'F32', shape: [B, 4], data: intrinsics },
    extrinsics: { dtype: 'F32', shape: [B, T, 4, 4], data: extrinsics },
    tracks: { dtype: 'F32', shape: [B, Q, T, 2], data: tracks },
    occluded: { dtype: 'U8', shape: [B, Q, T], data: occluded },
    query_points: { dtype: 'F32', shape: [B, Q, 3], data: queryPoints },
    boxes: { dtype: 'F32', shape: [B, T, K, 4], data: boxes },
    box_visible: { dtype: 'U8', shape: [B, T, K], data: boxVisible },
    object_labels: { dtype: 'I32', shape: [B, K], data: objectLabels },
    clip_label: { dtype: 'I32', shape: [B], data: clipLabel },
    camera_label: { dtype: 'I32', shape: [B], data: cameraLabel },
  } satisfies Record<string, Tensor>);
  return out;
}

/** A shard read back: its tensors (see {@link packSamples}) and its metadata (`config`, `seeds`, `task`). */
export interface Shard {
  readonly tensors: Map<string, Tensor>;
  readonly metadata: Record<string, string>;
  /** Batch size B. */
  readonly clips: number;
}

/** Reads one shard file. @throws CheckpointError for a missing or malformed file. */
export async function readShard(path: string): Promise<Shard> {
  const { tensors, metadata } = await readSafetensors(path);
  const rgb = tensors.get('rgb');
  if (!rgb) throw new CheckpointError(`${path} is not a synth4d shard (no "rgb" tensor)`, { path });
  return { tensors, metadata, clips: rgb.shape[0] };
}
