import { type Clip, ConfigError, Rng } from '@vfmkit/core';
import { checkClip } from '@vfmkit/video';
import { PNG } from 'pngjs';
import { AUGMENT_POLICY_NAMES, type AugmentPolicy, augmentPolicy } from './policy';
import { makeViews } from './views';

/** What {@link policyPreview} draws. */
export interface PolicyPreviewOptions {
  /** Policies, one row each: names or policy objects (default: every named policy, mildest first). */
  readonly policies?: readonly (string | { name: string; policy: AugmentPolicy })[];
  /** Views per policy (default 3). */
  readonly views?: number;
  /** Frames per view (default: the clip's frames, at most 4, so temporal jitter shows). */
  readonly frames?: number;
  /** Output side of each view (default: the clip's shorter side). */
  readonly size?: number;
  /** Pixel zoom (default 2). */
  readonly zoom?: number;
  readonly seed?: number;
}

const GAP = 2;

/**
 * A contact sheet of a clip's views under each policy: one row per policy, `views` views side by side,
 * each view's frames left to right. Returns PNG bytes (RGB, white gaps), e.g. to check by eye that a
 * policy does what its name says.
 * @param clip `[T, H, W, 3]` in [0, 1] (1 channel is drawn grey)
 * @throws ConfigError for an unknown policy name or bad option; ShapeError for a bad clip.
 */
export function policyPreview(clip: Clip, options: PolicyPreviewOptions = {}): Uint8Array {
  checkClip(clip);
  const [t, h, w, c] = clip.shape;
  const entries = (options.policies ?? AUGMENT_POLICY_NAMES).map((p) =>
    typeof p === 'string' ? p : p.policy,
  );
  if (entries.length === 0) throw new ConfigError('policyPreview: no policy to draw', { key: 'policies' });
  const views = options.views ?? 3;
  const frames = options.frames ?? Math.min(t, 4);
  const size = options.size ?? Math.min(h, w);
  const zoom = options.zoom ?? 2;
  for (const [key, v] of Object.entries({ views, frames, size, zoom }))
    if (!Number.isInteger(v) || v <= 0)
      throw new ConfigError(`policyPreview: ${key} must be a positive integer, got ${v}`, { key, value: v });
  const rows = entries.map((p, i) => {
    const policy = typeof p === 'string' ? augmentPolicy(p, size) : p;
    return makeViews(clip, policy, { frames, size, count: views }, new Rng((options.seed ?? 0) * 7919 + i));
  });
  const cell = size + GAP;
  const viewWidth = frames * cell + GAP * 2;
  const width = views * viewWidth * zoom;
  const height = rows.length * cell * zoom;
  const png = new PNG({ width, height });
  png.data.fill(255);
  for (const [r, row] of rows.entries())
    for (const [v, view] of row.entries())
      for (let f = 0; f < frames; f++)
        for (let y = 0; y < size; y++)
          for (let x = 0; x < size; x++) {
            const src = ((f * size + y) * size + x) * c;
            const oy = (r * cell + y) * zoom;
            const ox = (v * viewWidth + f * cell + x) * zoom;
            for (let zy = 0; zy < zoom; zy++)
              for (let zx = 0; zx < zoom; zx++) {
                const o = ((oy + zy) * width + ox + zx) * 4;
                for (let ch = 0; ch < 3; ch++)
                  png.data[o + ch] = Math.round(
                    255 * Math.min(1, Math.max(0, view.data[src + (c === 1 ? 0 : ch)])),
                  );
                png.data[o + 3] = 255;
              }
          }
  return PNG.sync.write(png);
}
