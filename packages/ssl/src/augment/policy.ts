import { ConfigError, parseConfig } from '@vfmkit/core';
import { type TransformConfigInput, transformConfigSchema } from '@vfmkit/video';
import { z } from 'zod';

/**
 * An augmentation policy as plain data: how a view is cut out of a clip in time (`temporal`) and what
 * the seeded, clip-consistent transforms of `@vfmkit/video` do to it in space (`spatial`, applied in
 * order; every random draw is shared by all frames of the view).
 */
export const augmentPolicySchema = z
  .object({
    temporal: z
      .object({
        /** Random start of the view in the source clip (`false`: the view is centred in time). */
        jitter: z.boolean(),
        /** Frame strides to pick from uniformly (1 = consecutive frames, 2 = every other frame, ...). */
        speeds: z.array(z.number().int().positive()).min(1),
      })
      .strict(),
    spatial: z.array(transformConfigSchema),
  })
  .strict();

/** A validated policy (transform defaults filled in). */
export type AugmentPolicy = z.output<typeof augmentPolicySchema>;
/** A policy as written by a user. */
export type AugmentPolicyInput = z.input<typeof augmentPolicySchema>;

/** The named policies, from no augmentation to SimCLR-strength. */
export const AUGMENT_POLICY_NAMES = ['none', 'weak', 'standard', 'strong'] as const;
export type AugmentPolicyName = (typeof AUGMENT_POLICY_NAMES)[number];

/** SimCLR's blur kernel: about 10% of the image side, odd, at least 3. */
function blurKernel(size: number): number {
  const k = Math.max(3, Math.round(size / 10));
  return k % 2 === 1 ? k : k + 1;
}

function spatialOf(name: AugmentPolicyName, size: number): TransformConfigInput[] {
  const out = { height: size, width: size };
  switch (name) {
    case 'none':
      // The evaluation transform: shorter side to `size`, centre crop (no aspect distortion).
      return [
        { type: 'resize', shortSide: size },
        { type: 'centerCrop', ...out },
      ];
    case 'weak':
      // Crop and flip only: the "crop + flip" baseline that SSL ablations start from.
      return [
        { type: 'randomResizedCrop', ...out, scale: [0.5, 1] },
        { type: 'horizontalFlip', p: 0.5 },
      ];
    case 'standard':
      // BYOL's colour augmentations (Grill et al. 2020, Table 6: jitter 0.4/0.4/0.2/0.1 with p 0.8,
      // grayscale p 0.2) without blur and solarisation, on MoCo v2's crop scale [0.2, 1] (its code's
      // RandomResizedCrop), milder than the image default [0.08, 1] that 'strong' uses.
      return [
        { type: 'randomResizedCrop', ...out, scale: [0.2, 1] },
        { type: 'horizontalFlip', p: 0.5 },
        { type: 'colorJitter', brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1, p: 0.8 },
        { type: 'grayscale', p: 0.2 },
      ];
    case 'strong':
      // SimCLR's full pipeline (Chen et al. 2020, Appendix A): crop [0.08, 1], flip, colour jitter of
      // strength 1 (0.8, 0.8, 0.8, 0.2) with p 0.8, grayscale p 0.2, blur (10% kernel, sigma [0.1, 2]) p 0.5.
      return [
        { type: 'randomResizedCrop', ...out, scale: [0.08, 1] },
        { type: 'horizontalFlip', p: 0.5 },
        { type: 'colorJitter', brightness: 0.8, contrast: 0.8, saturation: 0.8, hue: 0.2, p: 0.8 },
        { type: 'grayscale', p: 0.2 },
        { type: 'gaussianBlur', kernelSize: blurKernel(size), sigma: [0.1, 2], p: 0.5 },
      ];
  }
}

const TEMPORAL: Record<AugmentPolicyName, AugmentPolicyInput['temporal']> = {
  none: { jitter: false, speeds: [1] },
  weak: { jitter: true, speeds: [1] },
  standard: { jitter: true, speeds: [1, 2] },
  strong: { jitter: true, speeds: [1, 2, 4] },
};

/**
 * The named policy at an output size of `size x size` pixels.
 * @throws ConfigError for an unknown name or a size that is not a positive integer.
 * @example const policy = augmentPolicy('standard', 32); // views of 32 x 32
 */
export function augmentPolicy(name: AugmentPolicyName | string, size: number): AugmentPolicy {
  if (!(AUGMENT_POLICY_NAMES as readonly string[]).includes(name))
    throw new ConfigError(
      `unknown augmentation policy "${name}" (have: ${AUGMENT_POLICY_NAMES.join(', ')})`,
      {
        key: 'policy',
        value: name,
      },
    );
  if (!Number.isInteger(size) || size <= 0)
    throw new ConfigError(`policy size must be a positive integer, got ${size}`, {
      key: 'size',
      value: size,
    });
  const n = name as AugmentPolicyName;
  return parseAugmentPolicy({ temporal: TEMPORAL[n], spatial: spatialOf(n, size) });
}

/**
 * Validates a policy written as data (e.g. from a config file).
 * @throws ConfigError naming the first bad key.
 */
export function parseAugmentPolicy(input: unknown): AugmentPolicy {
  return parseConfig(augmentPolicySchema, input, 'augmentation policy');
}
