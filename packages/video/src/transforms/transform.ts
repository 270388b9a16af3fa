import { type Clip, ConfigError, parseConfig, type Rng, type SeedOrRng, toRng } from '@vfmkit/core';
import { z } from 'zod';
import type { CropBox } from '../sampling';
import {
  colorJitterClip,
  cropClip,
  flipClip,
  gaussianBlurClip,
  grayscaleClip,
  normalizeClip,
  resizeClip,
} from './kernels';

const size = z.number().int().positive();
const prob = z.number().min(0).max(1);
const mode = z.enum(['bilinear', 'area']).default('bilinear');
const range = z
  .tuple([z.number(), z.number()])
  .refine(([a, b]) => a <= b, { message: 'range must be [min, max] with min <= max' });

/** Every transform's config: plain JSON, validated with zod. */
export const transformConfigSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('resize'),
      height: size.optional(),
      width: size.optional(),
      /** Resize so the shorter side is this long, keeping the aspect ratio (rounded). */
      shortSide: size.optional(),
      mode,
    })
    .strict()
    .refine((c) => (c.shortSide !== undefined) !== (c.height !== undefined && c.width !== undefined), {
      message: 'resize needs either shortSide or both height and width',
    }),
  z.object({ type: z.literal('centerCrop'), height: size, width: size }).strict(),
  z.object({ type: z.literal('randomCrop'), height: size, width: size }).strict(),
  z
    .object({
      type: z.literal('randomResizedCrop'),
      height: size,
      width: size,
      scale: range.default([0.08, 1]),
      ratio: range.default([3 / 4, 4 / 3]),
      mode,
    })
    .strict(),
  z.object({ type: z.literal('horizontalFlip'), p: prob.default(0.5) }).strict(),
  z
    .object({
      type: z.literal('colorJitter'),
      brightness: z.number().min(0).default(0),
      contrast: z.number().min(0).default(0),
      saturation: z.number().min(0).default(0),
      hue: z.number().min(0).max(0.5).default(0),
      p: prob.default(1),
    })
    .strict(),
  z.object({ type: z.literal('grayscale'), p: prob.default(1) }).strict(),
  z
    .object({
      type: z.literal('gaussianBlur'),
      kernelSize: size.refine((k) => k % 2 === 1, { message: 'kernelSize must be odd' }),
      sigma: range.refine(([a]) => a > 0, { message: 'sigma must be > 0' }).default([0.1, 2]),
      p: prob.default(1),
    })
    .strict(),
  z
    .object({
      type: z.literal('normalize'),
      mean: z.array(z.number()).min(1),
      std: z.array(z.number().positive()).min(1),
    })
    .strict(),
]);

/** One transform's config (after defaults). */
export type TransformConfig = z.output<typeof transformConfigSchema>;
/** One transform's config as written by a user (defaults optional). */
export type TransformConfigInput = z.input<typeof transformConfigSchema>;
/** A pipeline: `{ type: 'compose', transforms: [...] }`. */
export interface ComposeConfig {
  type: 'compose';
  transforms: (TransformConfig | ComposeConfig)[];
}

/** A clip transform. Random choices are drawn once per call and applied to every frame alike. */
export interface ClipTransform {
  /** Serialisable config: `createTransform(JSON.parse(JSON.stringify(t.config)))` rebuilds it. */
  readonly config: TransformConfig | ComposeConfig;
  /** `[T, H, W, C]` -> `[T, H', W', C]`. */
  apply(clip: Clip, seed?: SeedOrRng): Clip;
}

const composeSchema: z.ZodType<ComposeConfig> = z.lazy(() =>
  z
    .object({
      type: z.literal('compose'),
      transforms: z.array(z.union([composeSchema, transformConfigSchema])),
    })
    .strict(),
) as unknown as z.ZodType<ComposeConfig>;

/** Validates a transform or compose config. @throws ConfigError naming the bad key. */
export function parseTransformConfig(config: unknown): TransformConfig | ComposeConfig {
  const isCompose =
    typeof config === 'object' && config !== null && (config as { type?: unknown }).type === 'compose';
  const options = { root: 'type' };
  return isCompose
    ? parseConfig(composeSchema, config, 'transform config', options)
    : parseConfig(transformConfigSchema, config, 'transform config', options);
}

/**
 * Torchvision's RandomResizedCrop box: up to 10 tries of an area fraction in `scale` and a log-uniform
 * aspect ratio in `ratio`; otherwise a centre crop with the ratio clamped into range.
 */
export function randomResizedCropBox(
  height: number,
  width: number,
  scale: readonly [number, number],
  ratio: readonly [number, number],
  rng: Rng,
): CropBox {
  const area = height * width;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let i = 0; i < 10; i++) {
    const target = area * rng.range(scale[0], scale[1]);
    const aspect = Math.exp(rng.range(logLo, logHi));
    const w = Math.round(Math.sqrt(target * aspect));
    const h = Math.round(Math.sqrt(target / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      return { top: rng.int(height - h + 1), left: rng.int(width - w + 1), height: h, width: w };
    }
  }
  const inRatio = width / height;
  let w: number;
  let h: number;
  if (inRatio < ratio[0]) {
    w = width;
    h = Math.round(w / ratio[0]);
  } else if (inRatio > ratio[1]) {
    h = height;
    w = Math.round(h * ratio[1]);
  } else {
    w = width;
    h = height;
  }
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}

function build(config: TransformConfig): (clip: Clip, rng: Rng) => Clip {
  switch (config.type) {
    case 'resize':
      return (clip) => {
        if (config.shortSide === undefined)
          return resizeClip(clip, config.height!, config.width!, config.mode);
        const [, H, W] = clip.shape;
        const s = config.shortSide / Math.min(H, W);
        const h = H <= W ? config.shortSide : Math.round(H * s);
        const w = W < H ? config.shortSide : Math.round(W * s);
        return resizeClip(clip, h, w, config.mode);
      };
    case 'centerCrop':
      return (clip) => {
        const [, H, W] = clip.shape;
        return cropClip(clip, {
          top: Math.floor((H - config.height) / 2),
          left: Math.floor((W - config.width) / 2),
          height: config.height,
          width: config.width,
        });
      };
    case 'randomCrop':
      return (clip, rng) => {
        const [, H, W] = clip.shape;
        if (config.height > H || config.width > W)
          throw new ConfigError(`randomCrop ${config.height}x${config.width} exceeds the frame ${H}x${W}`, {
            key: 'randomCrop',
          });
        return cropClip(clip, {
          top: rng.int(H - config.height + 1),
          left: rng.int(W - config.width + 1),
          height: config.height,
          width: config.width,
        });
      };
    case 'randomResizedCrop':
      return (clip, rng) => {
        const box = randomResizedCropBox(clip.shape[1], clip.shape[2], config.scale, config.ratio, rng);
        return resizeClip(cropClip(clip, box), config.height, config.width, config.mode);
      };
    case 'horizontalFlip':
      return (clip, rng) => (rng.uniform() < config.p ? flipClip(clip) : clip);
    case 'colorJitter':
      return (clip, rng) => {
        if (!(rng.uniform() < config.p)) return clip;
        const order = Array.from(rng.permutation(4));
        const factor = (x: number) => (x > 0 ? rng.range(Math.max(0, 1 - x), 1 + x) : 1);
        const brightness = factor(config.brightness);
        const contrast = factor(config.contrast);
        const saturation = factor(config.saturation);
        const hue = config.hue > 0 ? rng.range(-config.hue, config.hue) : 0;
        return colorJitterClip(clip, { brightness, contrast, saturation, hue, order });
      };
    case 'grayscale':
      return (clip, rng) => (rng.uniform() < config.p ? grayscaleClip(clip) : clip);
    case 'gaussianBlur':
      return (clip, rng) => {
        if (!(rng.uniform() < config.p)) return clip;
        return gaussianBlurClip(clip, config.kernelSize, rng.range(config.sigma[0], config.sigma[1]));
      };
    case 'normalize':
      return (clip) => normalizeClip(clip, config.mean, config.std);
  }
}

/**
 * Builds a transform from its config (validated). Accepts `{ type: 'compose', transforms }` too.
 * @example
 * const aug = createTransform({ type: 'randomResizedCrop', height: 224, width: 224 });
 * const out = aug.apply(clip, 42); // same box on every frame
 */
export function createTransform(config: TransformConfigInput | ComposeConfig | unknown): ClipTransform {
  const parsed = parseTransformConfig(config);
  if (parsed.type === 'compose') return compose(parsed.transforms);
  const fn = build(parsed);
  return { config: parsed, apply: (clip, seed = 0) => fn(clip, toRng(seed)) };
}

/**
 * Chains transforms left to right; one RNG stream feeds them in order, so a seed fixes the whole chain.
 * Its `config` is `{ type: 'compose', transforms: [...] }`.
 */
export function compose(
  transforms: readonly (ClipTransform | TransformConfigInput | ComposeConfig)[],
): ClipTransform {
  const built = transforms.map((t) =>
    typeof (t as ClipTransform).apply === 'function' ? (t as ClipTransform) : createTransform(t),
  );
  return {
    config: { type: 'compose', transforms: built.map((t) => t.config) },
    apply: (clip, seed = 0) => {
      const rng = toRng(seed);
      let out = clip;
      for (const t of built) out = t.apply(out, rng);
      return out;
    },
  };
}
