import { spawnSync } from 'node:child_process';
import { type Clip, ConfigError, Rng } from '@vfmkit/core';
import { describe, expect, it } from 'vitest';
import { hasPython, TORCH_PYTHON } from '../../test/fixtures';
import {
  colorJitterClip,
  cropClip,
  flipClip,
  gaussianBlurClip,
  gaussianKernel,
  grayscaleClip,
  normalizeClip,
  resizeClip,
} from './kernels';
import { compose, createTransform, parseTransformConfig, randomResizedCropBox } from './transform';

const clip = (shape: [number, number, number, number], values: number[] | ((i: number) => number)): Clip => {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: n }, (_, i) =>
    typeof values === 'function' ? values(i) : values[i],
  );
  return { data, shape };
};
const close = (a: ArrayLike<number>, b: number[], tol = 1e-6) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(tol);
};

describe('kernels against hand-worked examples', () => {
  it('bilinear upsampling uses half-pixel centres', () => {
    close(resizeClip(clip([1, 1, 2, 1], [0, 1]), 1, 4).data, [0, 0.25, 0.75, 1]);
  });

  it('bilinear 4x4 -> 2x2 averages 2x2 blocks', () => {
    const out = resizeClip(
      clip([1, 4, 4, 1], (i) => i),
      2,
      2,
    );
    close(out.data, [2.5, 4.5, 10.5, 12.5]);
  });

  it('area resize averages covered pixels (overlapping at fractional edges)', () => {
    close(resizeClip(clip([1, 1, 4, 1], [1, 2, 3, 5]), 1, 2, 'area').data, [1.5, 4]);
    close(resizeClip(clip([1, 1, 3, 1], [0, 3, 6]), 1, 2, 'area').data, [1.5, 4.5]);
  });

  it('crop, flip, normalise', () => {
    const c = clip([1, 4, 5, 1], (i) => i);
    const centre = createTransform({ type: 'centerCrop', height: 2, width: 2 }).apply(c);
    close(centre.data, [6, 7, 11, 12]);
    close(cropClip(c, { top: 2, left: 3, height: 2, width: 2 }).data, [13, 14, 18, 19]);
    close(flipClip(clip([1, 1, 3, 2], [1, 2, 3, 4, 5, 6])).data, [5, 6, 3, 4, 1, 2]);
    close(
      normalizeClip(clip([1, 1, 1, 3], [0.5, 0.5, 0.5]), [0.5, 0.25, 0], [1, 0.5, 2]).data,
      [0, 0.5, 0.25],
    );
  });

  it('colour jitter ops follow the torchvision definitions', () => {
    const id = { brightness: 1, contrast: 1, saturation: 1, hue: 0, order: [0, 1, 2, 3] };
    close(
      colorJitterClip(clip([1, 1, 2, 3], [0.8, 0.4, 0.2, 0.1, 0.3, 0.6]), { ...id, brightness: 0.5 }).data,
      [0.4, 0.2, 0.1, 0.05, 0.15, 0.3],
    );
    close(colorJitterClip(clip([1, 1, 1, 3], [0.8, 0.4, 0.9]), { ...id, brightness: 1.5 }).data, [1, 0.6, 1]);
    // contrast 0.5 around the frame's mean luma 0.5
    close(
      colorJitterClip(clip([1, 1, 2, 3], [1, 1, 1, 0, 0, 0]), { ...id, contrast: 0.5 }).data,
      [0.75, 0.75, 0.75, 0.25, 0.25, 0.25],
    );
    // saturation 2 on (0.5, 0.25, 0.25): luma 0.32475
    close(
      colorJitterClip(clip([1, 1, 1, 3], [0.5, 0.25, 0.25]), { ...id, saturation: 2 }).data,
      [0.67525, 0.17525, 0.17525],
    );
    // hue +1/3 turns red into green, -1/3 into blue
    close(colorJitterClip(clip([1, 1, 1, 3], [1, 0, 0]), { ...id, hue: 1 / 3 }).data, [0, 1, 0], 1e-5);
    close(colorJitterClip(clip([1, 1, 1, 3], [1, 0, 0]), { ...id, hue: -1 / 3 }).data, [0, 0, 1], 1e-5);
    close(grayscaleClip(clip([1, 1, 1, 3], [1, 0, 0])).data, [0.299, 0.299, 0.299]);
  });

  it('Gaussian blur: separable normalised kernel with reflect padding', () => {
    const k = gaussianKernel(3, 1);
    const e = Math.exp(-0.5);
    close(k, [e / (1 + 2 * e), 1 / (1 + 2 * e), e / (1 + 2 * e)]);
    const impulse = clip([1, 3, 3, 1], [1, 0, 0, 0, 0, 0, 0, 0, 0]);
    const out = gaussianBlurClip(impulse, 3, 1).data;
    // reflect: x=-1 mirrors x=1, so the corner sees only the centre tap
    close(out, [k[1] * k[1], k[1] * k[0], 0, k[0] * k[1], k[0] * k[0], 0, 0, 0, 0]);
  });
});

describe.skipIf(!hasPython)('resize against PyTorch (reason: needs python3 with torch)', () => {
  it('bilinear and area match F.interpolate to 1e-5', () => {
    const rng = new Rng(3);
    const c = clip([2, 7, 9, 3], () => rng.uniform());
    const script = `
import sys, json, torch
import torch.nn.functional as F
d = json.load(sys.stdin)
x = torch.tensor(d['x'], dtype=torch.float64).reshape(2, 7, 9, 3).permute(0, 3, 1, 2)
out = {}
for mode, size in [('bilinear', (5, 4)), ('bilinear', (11, 13)), ('area', (3, 4)), ('area', (5, 6))]:
    kw = {'align_corners': False} if mode == 'bilinear' else {}
    y = F.interpolate(x, size=size, mode=mode, **kw).permute(0, 2, 3, 1).reshape(-1)
    out[f'{mode}{size[0]}x{size[1]}'] = y.tolist()
print(json.dumps(out))`;
    const res = spawnSync(TORCH_PYTHON as string, ['-c', script], {
      input: JSON.stringify({ x: Array.from(c.data) }),
      encoding: 'utf8',
    });
    expect(res.status, res.stderr).toBe(0);
    const ref = JSON.parse(res.stdout) as Record<string, number[]>;
    for (const [key, want] of Object.entries(ref)) {
      const m = /^(bilinear|area)(\d+)x(\d+)$/.exec(key)!;
      const got = resizeClip(c, Number(m[2]), Number(m[3]), m[1] as 'bilinear' | 'area');
      close(got.data, want, 1e-5);
    }
  });
});

describe('seeded transforms', () => {
  // Two frames, the second = first + 10: identical parameters keep that offset after geometric ops.
  const two = clip([2, 12, 16, 1], (i) => (i < 192 ? i % 97 : ((i - 192) % 97) + 10));
  const sameAcrossFrames = (out: Clip) => {
    const n = out.data.length / 2;
    for (let i = 0; i < n; i++) expect(out.data[n + i] - out.data[i]).toBeCloseTo(10, 4);
  };

  it.each([
    { type: 'randomCrop', height: 5, width: 7 },
    { type: 'randomResizedCrop', height: 8, width: 8 },
    { type: 'horizontalFlip', p: 0.5 },
    { type: 'gaussianBlur', kernelSize: 3, sigma: [0.5, 1.5] },
  ])('$type uses one set of parameters for every frame, fixed by the seed', (config) => {
    const t = createTransform(config);
    for (let s = 0; s < 5; s++) {
      const a = t.apply(two, s);
      sameAcrossFrames(a);
      expect(Array.from(t.apply(two, s).data)).toEqual(Array.from(a.data));
    }
  });

  it('randomCrop picks different boxes for different seeds', () => {
    const t = createTransform({ type: 'randomCrop', height: 5, width: 7 });
    const outs = new Set([0, 1, 2, 3, 4, 5].map((s) => t.apply(two, s).data[0]));
    expect(outs.size).toBeGreaterThan(1);
  });

  it('randomResizedCropBox stays within scale and ratio ranges', () => {
    const rng = new Rng(1);
    for (let i = 0; i < 200; i++) {
      const b = randomResizedCropBox(120, 160, [0.2, 0.9], [0.75, 4 / 3], rng);
      expect(b.top + b.height).toBeLessThanOrEqual(120);
      expect(b.left + b.width).toBeLessThanOrEqual(160);
      const frac = (b.height * b.width) / (120 * 160);
      expect(frac).toBeGreaterThan(0.18);
      expect(frac).toBeLessThan(0.93);
    }
  });

  it('colour jitter, grayscale: frames that start equal stay equal', () => {
    const rng = new Rng(5);
    const f = Array.from({ length: 4 * 4 * 3 }, () => rng.uniform());
    const c = clip([3, 4, 4, 3], (i) => f[i % f.length]);
    const t = createTransform({
      type: 'colorJitter',
      brightness: 0.4,
      contrast: 0.4,
      saturation: 0.4,
      hue: 0.1,
    });
    const out = t.apply(c, 9);
    expect(Array.from(out.data.subarray(48, 96))).toEqual(Array.from(out.data.subarray(0, 48)));
    expect(Array.from(out.data)).not.toEqual(Array.from(c.data));
  });

  it('compose chains transforms and round-trips through JSON config', () => {
    const pipeline = compose([
      { type: 'resize', shortSide: 10 },
      { type: 'randomResizedCrop', height: 8, width: 8, scale: [0.3, 1] },
      { type: 'horizontalFlip' },
      { type: 'colorJitter', brightness: 0.2, p: 0.8 },
      { type: 'normalize', mean: [0.5, 0.4, 0.3], std: [0.25, 0.2, 0.2] },
    ]);
    const rgb = clip([2, 12, 16, 3], (i) => ((i * 7) % 101) / 100);
    const json = JSON.parse(JSON.stringify(pipeline.config));
    expect(json.type).toBe('compose');
    expect(json.transforms[1]).toMatchObject({ scale: [0.3, 1], ratio: [0.75, 4 / 3], mode: 'bilinear' });
    const rebuilt = createTransform(json);
    const a = pipeline.apply(rgb, 11);
    expect(a.shape).toEqual([2, 8, 8, 3]);
    expect(Array.from(rebuilt.apply(rgb, 11).data)).toEqual(Array.from(a.data));
    expect(Array.from(pipeline.apply(rgb, 12).data)).not.toEqual(Array.from(a.data));
  });

  it('resize shortSide keeps the aspect ratio', () => {
    expect(createTransform({ type: 'resize', shortSide: 6 }).apply(two).shape).toEqual([2, 6, 8, 1]);
  });

  it('bad configs throw ConfigError naming the key', () => {
    expect(() => parseTransformConfig({ type: 'gaussianBlur', kernelSize: 4 })).toThrow(/kernelSize/);
    expect(() => parseTransformConfig({ type: 'resize', height: 4 })).toThrow(ConfigError);
    expect(() => parseTransformConfig({ type: 'spin' })).toThrow(ConfigError);
    expect(() =>
      createTransform({ type: 'compose', transforms: [{ type: 'colorJitter', hue: 0.7 }] }),
    ).toThrow(/hue/);
    expect(() => createTransform({ type: 'centerCrop', height: 20, width: 2 }).apply(two)).toThrow(
      ConfigError,
    );
  });
});
