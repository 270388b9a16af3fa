import { ConfigError, type TokenGrid, tokenCount } from '@vfmkit/core';
import type { GraphBuilder } from '@vfmkit/onnx';
import { type VitConfig, vitTokenGrid } from '../config';
import type { NamedWeights } from '../named-weights';
import { linearWeights, sincosTable } from '../pos-embed';
import { weightData } from '../weight-layout';

/**
 * All interpolation matrices of one axis, stacked: `[G, G, from]`, where slab `g - 1` holds the
 * `[g, from]` linear-interpolation rows (PyTorch `align_corners=False`, as `linearWeights`) onto `g`
 * samples, zero-padded to `G` rows. `g = from` gives the identity.
 */
export function stackedAxisWeights(from: number, max: number): Float32Array {
  const out = new Float32Array(max * max * from);
  for (let g = 1; g <= max; g++) {
    const { i0, i1, w1 } = linearWeights(from, g);
    for (let r = 0; r < g; r++) {
      const base = ((g - 1) * max + r) * from;
      out[base + i0[r]] += 1 - w1[r];
      out[base + i1[r]] += w1[r];
    }
  }
  return out;
}

/** The grid of the largest clip a dynamic graph takes. */
export function maxGridOf(config: VitConfig, max: readonly [number, number, number]): TokenGrid {
  const [t, p, q] = config.tubelet;
  const names = ['frames', 'height', 'width'];
  max.forEach((v, i) => {
    const tube = config.tubelet[i];
    if (!Number.isInteger(v) || v <= 0 || v % tube !== 0) {
      throw new ConfigError(`maxClip ${names[i]} ${v} is not a positive multiple of the tubelet's ${tube}`, {
        key: 'maxClip',
        value: [...max],
      });
    }
  });
  return { t: max[0] / t, h: max[1] / p, w: max[2] / q };
}

/**
 * Cuts `clips` `[B, T, H, W, C]` (T, H, W dynamic multiples of the tubelet) into tubelets `[B, N, K]` and
 * returns them with the run-time grid sizes as int64 `[1]` values.
 */
export function dynamicTubelets(
  g: GraphBuilder,
  clips: string,
  config: VitConfig,
): { tubes: string; gt: string; gh: string; gw: string } {
  const [t, p, q] = config.tubelet;
  const c = config.channels;
  const shape = g.shape(clips);
  const dim = (i: number) => g.slice(shape, [i], [i + 1]);
  const gt = g.div(dim(1), g.i64([t]));
  const gh = g.div(dim(2), g.i64([p]));
  const gw = g.div(dim(3), g.i64([q]));
  const split = g.reshape(
    clips,
    g.concat([dim(0), gt, g.i64([t]), gh, g.i64([p]), gw, g.i64([q]), g.i64([c])], 0),
  );
  const tubes = g.reshape(g.transpose(split, [0, 1, 3, 5, 2, 4, 6, 7]), [0, -1, t * p * q * c]);
  return { tubes, gt, gh, gw };
}

/** `[size, from]` interpolation rows for a run-time `size` (int64 `[1]`) out of the stacked matrices. */
function axisMatrix(g: GraphBuilder, from: number, max: number, size: string, name: string): string {
  const stacked = g.f32(stackedAxisWeights(from, max), [max, max, from], `pos_interp.${name}`);
  const slab = g.reshape(g.gather(stacked, g.sub(size, g.i64([1])), 0), [max, from]);
  return g.node('Slice', [slab, g.i64([0]), size, g.i64([0])])[0];
}

/**
 * The positional table `[N, D]` (N = gt * gh * gw) resampled inside the graph from the training grid to the
 * run-time grid, separably per axis with MatMuls by precomputed interpolation matrices: the same
 * trilinear resampling as `positionTable` / the tfjs model's `encoderPositions` (exact for separable
 * linear interpolation; only float32 rounding differs).
 */
export function dynamicPositions(
  g: GraphBuilder,
  config: VitConfig,
  weights: NamedWeights,
  maxGrid: TokenGrid,
  sizes: { gt: string; gh: string; gw: string },
): string {
  const train = vitTokenGrid(config);
  const d = config.width;
  const mt = axisMatrix(g, train.t, maxGrid.t, sizes.gt, 't');
  const mh = axisMatrix(g, train.h, maxGrid.h, sizes.gh, 'h');
  const mw = axisMatrix(g, train.w, maxGrid.w, sizes.gw, 'w');
  const get = (name: string) => weightData(weights, name);
  /** `[h, w, D]`-shaped space table `[fh, fw * D]` -> `[gh, gw, D]`. */
  const space = (table: string) => {
    const alongH = g.matmul(mh, table); // [gh, fw * D]
    return g.matmul(mw, g.reshape(alongH, [0, train.w, d])); // [gh, gw, D]
  };
  if (config.posEmbed === 'separable') {
    const time = g.matmul(mt, g.f32(get('pos_embed_time'), [train.t, d], 'pos_embed_time')); // [gt, D]
    const sp = space(g.f32(get('pos_embed_space'), [train.h, train.w * d], 'pos_embed_space'));
    const sum = g.add(g.unsqueeze(g.unsqueeze(time, [1]), [1]), g.unsqueeze(sp, [0])); // [gt, gh, gw, D]
    return g.reshape(sum, [-1, d]);
  }
  const table =
    config.posEmbed === 'sincos' ? sincosTable(tokenCount(train), d) : Float32Array.from(get('pos_embed'));
  const p0 = g.f32(table, [train.t, train.h * train.w * d], 'pos_embed');
  const alongT = g.reshape(g.matmul(mt, p0), [-1, train.h, train.w * d]); // [gt, fh, fw * D]
  const alongH = g.reshape(g.matmul(mh, alongT), [0, 0, train.w, d]); // [gt, gh, fw, D]
  return g.reshape(g.matmul(mw, alongH), [-1, d]); // [gt * gh * gw, D]
}
