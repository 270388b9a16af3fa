import type { ClipBatch } from '@vfmkit/core';
import { type FeatureCache, type FeatureRows, hashEncoderFile } from '@vfmkit/probes';
import type { VideoEncoder } from '@vfmkit/vit-encoder/onnx';
import type { ClipSet, EvalClip } from './data/task-source';
import { EvaluatorError } from './errors';

/**
 * Frozen features of a set of clips, read from the cache's shards on demand: final tokens `[B, N, D]`
 * and the last layers `[B, L, N, D]`.
 */
export interface ClipFeatures {
  readonly tokens: FeatureRows;
  readonly layers: FeatureRows;
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

/** Options of {@link extractFeatureStream}. */
export interface FeatureStreamOptions {
  /** Clips per ONNX Runtime run, and per cache shard (default 8). */
  readonly batch?: number;
  /**
   * Batches prepared ahead of the one ONNX Runtime runs (default 0: prepare, run, write, one batch after
   * the other). onnxruntime-node 1.30 runs a session on the JS thread, so only work outside it overlaps a
   * run: `clipAt` waiting on I/O or a child process (ffmpeg decode) and the cache's file writes. With
   * in-memory clips prefetching measured 0.97-1.0x of sequential (BENCHMARKS.md); use it for decode on the
   * fly. At most `prefetch + 2` batches of pixels and one of features are held at a time, however many
   * clips there are.
   */
  readonly prefetch?: number;
  /** Called after each batch embedded now (not for cached shards): clips embedded so far in this call, of `count`. */
  readonly onProgress?: (embedded: number, count: number) => void;
}

/**
 * Embeds `count` clips with ONNX Runtime once and caches them (safetensors shards keyed by the encoder
 * file's hash and `dataKey`), as a bounded pipeline: `clipAt(i)` (decode / render / preprocess, `[T, H, W, 3]`
 * at the encoder's clip size) is called batch by batch, up to `prefetch` batches ahead of the one ONNX
 * Runtime runs. The features stay on disk and are read row by row (`FeatureRows`), so memory stays
 * bounded for any number of clips. Later calls find the cache full and embed nothing.
 */
export async function extractFeatureStream(
  cache: FeatureCache,
  encoder: VideoEncoder,
  onnxPath: string,
  dataKey: string,
  count: number,
  clipAt: (index: number) => Float32Array | Promise<Float32Array>,
  options: FeatureStreamOptions = {},
): Promise<ClipFeatures> {
  const batch = options.batch ?? 8;
  const prefetch = options.prefetch ?? 0;
  const plan = layerPlan(encoder);
  const [T, H, W] = encoder.meta.clip;
  const clipSize = T * H * W * 3;
  const key = { encoderHash: await hashEncoderFile(onnxPath), dataKey };
  type Out = Awaited<ReturnType<typeof embedBatch>>;
  const decoded = new Map<number, Promise<ClipBatch>>();
  const embedded = new Map<number, Promise<Out>>();
  let lastRun: Promise<unknown> = Promise.resolve();
  const shardCount = (start: number) => Math.min(batch, count - start);
  const decode = async (start: number): Promise<ClipBatch> => {
    const n = shardCount(start);
    const data = new Float32Array(n * clipSize);
    for (let b = 0; b < n; b++) {
      const rgb = await clipAt(start + b);
      if (rgb.length !== clipSize)
        throw new EvaluatorError(
          `clip ${start + b} holds ${rgb.length} values, expected ${T} x ${H} x ${W} x 3 = ${clipSize}`,
          { what: 'clip', value: start + b },
        );
      data.set(rgb, b * clipSize);
    }
    return { data, shape: [n, T, H, W, 3] };
  };
  async function embedBatch(clips: ClipBatch) {
    const n = clips.shape[0];
    const e = await encoder.embed(clips);
    const [, N, D] = e.dims;
    const layers = new Float32Array(n * plan.length * N * D);
    for (let b = 0; b < n; b++)
      plan.forEach((l, li) => {
        const src = l === 'tokens' ? e.tokens : (e.intermediates.get(l) as Float32Array);
        layers.set(src.subarray(b * N * D, (b + 1) * N * D), (b * plan.length + li) * N * D);
      });
    return {
      tokens: { data: e.tokens, shape: [n, N, D] },
      layers: { data: layers, shape: [n, plan.length, N, D] },
    };
  }
  /** Starts decoding `start` (and ONNX Runtime on it once the previous run ends). */
  const schedule = (start: number) => {
    if (start >= count || embedded.has(start)) return;
    const clips = decode(start);
    decoded.set(start, clips);
    // setImmediate: let the caller issue the previous batch's cache write (file I/O runs off the JS
    // thread) before this run blocks the thread.
    const run = Promise.all([clips, lastRun.catch(() => undefined)])
      .then(async ([c]) => {
        await new Promise((r) => setImmediate(r));
        return c;
      })
      .then((c) => embedBatch(c));
    lastRun = run;
    embedded.set(start, run);
    run.catch(() => undefined); // awaited (and reported) by compute
  };
  let computed = 0;
  const t0 = performance.now();
  await cache.fill(key, count, batch, async (start, n) => {
    for (let k = 0; k <= prefetch; k++) schedule(start + k * batch);
    const out = await (embedded.get(start) as Promise<Out>);
    embedded.delete(start);
    decoded.delete(start);
    if (out.tokens.shape[0] !== n)
      throw new EvaluatorError(`batch at ${start} has ${out.tokens.shape[0]} clips, expected ${n}`, {
        what: 'clip',
        value: start,
      });
    computed += n;
    options.onProgress?.(computed, count);
    return out;
  });
  const seconds = (performance.now() - t0) / 1000;
  const { tokens, layers } = await cache.open(key);
  return { tokens, layers, computed, seconds };
}

/**
 * Embeds clips held in memory with ONNX Runtime once and caches them (safetensors shards keyed by the
 * encoder file's hash and `dataKey`); later calls read the cache. See {@link extractFeatureStream} for
 * clips decoded on the fly.
 */
export async function extractFeatures(
  cache: FeatureCache,
  encoder: VideoEncoder,
  onnxPath: string,
  dataKey: string,
  samples: readonly EvalClip[],
  batch = 8,
): Promise<ClipFeatures> {
  return extractFeatureStream(cache, encoder, onnxPath, dataKey, samples.length, (i) => samples[i].rgb, {
    batch,
  });
}

/**
 * The features of a clip set: embedded once (decoded on the fly where the set decodes), or found in the
 * cache.
 * @param log progress lines, about every tenth of the set.
 */
export async function clipSetFeatures(
  cache: FeatureCache,
  encoder: VideoEncoder,
  onnxPath: string,
  clips: ClipSet,
  log: (line: string) => void,
): Promise<ClipFeatures> {
  let logged = 0;
  return extractFeatureStream(cache, encoder, onnxPath, clips.dataKey, clips.count, clips.clipAt, {
    prefetch: clips.prefetch,
    onProgress: (done, count) => {
      if (done < count && done - logged < count / 10) return;
      logged = done;
      log(`embedded ${done} of ${count} clips of ${clips.dataKey}`);
    },
  });
}
