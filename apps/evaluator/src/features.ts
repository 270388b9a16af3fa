import { type FeatureCache, hashEncoderFile } from '@vfmkit/probes';
import type { VideoEncoder } from '@vfmkit/vit-encoder/onnx';
import { type EvalClip, stackClips } from './data/task-source';

/** Frozen features of a set of clips: final tokens `[B, N, D]` and the last layers `[B, L, N, D]`. */
export interface ClipFeatures {
  readonly tokens: { data: Float32Array; shape: readonly number[] };
  readonly layers: { data: Float32Array; shape: readonly number[] };
  /** Clips embedded now (0 when every shard came from the cache), and the seconds that took. */
  readonly computed: number;
  readonly seconds: number;
}

/**
 * The layers `mlap` reads: the exposed block outputs (oldest first), plus the final tokens when the
 * last block is not among them; at most the last 4.
 */
export function layerPlan(encoder: VideoEncoder): (number | 'tokens')[] {
  const exposed = [...encoder.meta.layers].sort((a, b) => a - b);
  const plan: (number | 'tokens')[] = [...exposed];
  if (!exposed.includes(encoder.meta.vit.depth - 1)) plan.push('tokens');
  return plan.slice(-4);
}

/**
 * Embeds clips with ONNX Runtime once and caches them (safetensors shards keyed by the encoder file's
 * hash and `dataKey`); later calls read the cache.
 */
export async function extractFeatures(
  cache: FeatureCache,
  encoder: VideoEncoder,
  onnxPath: string,
  dataKey: string,
  samples: readonly EvalClip[],
  batch = 8,
): Promise<ClipFeatures> {
  const plan = layerPlan(encoder);
  const key = { encoderHash: await hashEncoderFile(onnxPath), dataKey };
  let computed = 0;
  const t0 = performance.now();
  const { arrays } = await cache.getOrCompute(key, samples.length, batch, async (start, count) => {
    const e = await encoder.embed(stackClips(samples.slice(start, start + count), encoder.meta.clip));
    const [, N, D] = e.dims;
    const layers = new Float32Array(count * plan.length * N * D);
    for (let b = 0; b < count; b++)
      plan.forEach((l, li) => {
        const src = l === 'tokens' ? e.tokens : (e.intermediates.get(l) as Float32Array);
        layers.set(src.subarray(b * N * D, (b + 1) * N * D), (b * plan.length + li) * N * D);
      });
    computed += count;
    return {
      tokens: { data: e.tokens, shape: [count, N, D] },
      layers: { data: layers, shape: [count, plan.length, N, D] },
    };
  });
  return {
    tokens: arrays.tokens,
    layers: arrays.layers,
    computed,
    seconds: (performance.now() - t0) / 1000,
  };
}
