import { assertShape, type ClipBatch, ConfigError, ShapeError, type TokenGrid } from '@vfmkit/core';
import {
  checkRunTokens,
  type Device,
  type OnnxSession,
  openSession,
  readModelInfo,
  rowsPerRun,
  runInSlices,
  type TypedTensor,
} from '@vfmkit/onnx';
import { type EncoderSource, type EncoderSourceOptions, resolveEncoderSource } from './encoder-source';
import type { VitOnnxMeta } from './export';

/** Options of {@link VideoEncoder.load} (the source options apply to paths that are not `.onnx` files). */
export interface VideoEncoderOptions extends EncoderSourceOptions {
  /** `auto` (CUDA when its provider loads, else CPU with a one-line notice), `cuda` or `cpu`. */
  readonly device?: Device;
  /** Intra-op threads (ONNX Runtime's default when omitted). */
  readonly threads?: number;
  /**
   * Whether ORT's idle intra-op threads spin (default false here: on a machine shared with other jobs
   * spinning measured up to 1.4-1.6x slower, and on an idle one within noise; see BENCHMARKS.md).
   */
  readonly spinning?: boolean;
  /** Where the fallback notice goes (default `console.warn`). */
  readonly log?: (line: string) => void;
  /**
   * Most tokens per ONNX Runtime run on the CPU provider: `embed` runs a batch in slices of
   * `max(1, floor(runTokens / tokens per clip))` clips and joins the outputs. Default 1568 (one
   * 16 x 224 x 224 clip of 16 x 16 x 2 tubelets): on the 2-core test machine ViT-S and ViT-B ran
   * 15-18% faster at batch 4-8 of such clips one clip per run than the whole batch in one run, and
   * small clips fastest at about that many tokens per run (BENCHMARKS.md). `Infinity` runs every batch
   * whole, as the CUDA provider always does.
   */
  readonly runTokens?: number;
}

/** Features of a batch of clips. Arrays are copies owned by the caller. */
export interface Embedding {
  /** `[B, N, D]` output tokens (N = K with a visible index). */
  readonly tokens: Float32Array;
  /** Block outputs `[B, N, D]` by layer index (the layers exported as outputs). */
  readonly intermediates: Map<number, Float32Array>;
  /** `[B, D]` pooled embeddings. */
  readonly pooled: Float32Array;
  /** `[B, numClasses]` when the model has a head. */
  readonly logits?: Float32Array;
  /** `[B, N, D]` dims of `tokens`. */
  readonly dims: readonly [number, number, number];
  readonly grid: TokenGrid;
}

/** How {@link VideoEncoder.embedLong} combines windows. */
export type WindowAggregation = 'mean' | 'attention';

/** Pooled features of long videos cut into windows. */
export interface LongEmbedding {
  /** `[B, D]` aggregate over windows. */
  readonly pooled: Float32Array;
  /** `[B, W, D]` pooled embedding of each window. */
  readonly windows: Float32Array;
  /** First frame of each window. */
  readonly starts: readonly number[];
  /** `[B, W]` the weight each window got (uniform for `mean`). */
  readonly weights: Float32Array;
}

/**
 * A video encoder exported by `exportVitOnnx`, run by ONNX Runtime (CUDA or CPU). Pixel normalisation and
 * tubelet cutting happen inside the graph: feed `[0, 1]` RGB clips.
 */
export class VideoEncoder {
  private constructor(
    private readonly session: OnnxSession,
    /** What the model was exported with (config, clip size, exposed layers). */
    readonly meta: VitOnnxMeta,
    /** Most tokens per run (see {@link VideoEncoderOptions.runTokens}). */
    private readonly runTokens: number,
    /** Where the model came from (absent when it was loaded from bytes). */
    readonly source?: EncoderSource,
  ) {}

  /** The provider that runs the model: `cuda` or `cpu`. */
  get provider(): 'cuda' | 'cpu' {
    return this.session.provider;
  }

  /**
   * Opens an encoder from any source in one call: a `vfm-train` run folder, a vit-encoder checkpoint
   * (`.safetensors` with `vit_config`), a Hugging Face VideoMAE checkpoint (`model.safetensors` with its
   * `config.json` beside it, or their folder), an exported `.onnx` file, or ONNX bytes. Sources with
   * weights are exported to ONNX behind the scenes, cached by content hash in `options.cacheDir`
   * (see {@link resolveEncoderSource}); `encoder.source` says what was found and where its weights are.
   * @example
   * const encoder = await VideoEncoder.load('runs/mae-nano', { device: 'cpu' });
   * const { tokens, pooled } = await encoder.embed(clips); // clips [B, T, H, W, 3] in [0, 1]
   * @throws EncoderSourceError for a path that is no encoder source; ConfigError when the ONNX model
   *   was not exported by vfmkit's ViT exporter.
   */
  static async load(model: string | Uint8Array, options: VideoEncoderOptions = {}): Promise<VideoEncoder> {
    const source = typeof model === 'string' ? await resolveEncoderSource(model, options) : undefined;
    const file = source?.onnx ?? model;
    const info = await readModelInfo(file);
    const meta = info.config as VitOnnxMeta | undefined;
    if (meta?.kind !== 'vfmkit.vit-encoder') {
      throw new ConfigError(
        'this ONNX model carries no vfmkit ViT encoder metadata (export it with exportVitOnnx)',
        {
          key: 'config',
        },
      );
    }
    const runTokens = checkRunTokens(options.runTokens);
    const session = await openSession(file, {
      device: options.device ?? 'auto',
      threads: options.threads,
      spinning: options.spinning ?? false,
      log: options.log,
      reuseOutputs: false,
    });
    return new VideoEncoder(session, meta, runTokens, source);
  }

  /**
   * Embeds clips `[B, T, H, W, C]` in [0, 1] with T, H, W equal to the exported clip size (or, for a
   * graph exported with `maxClip`, any multiples of the tubelet up to it; see {@link checkClips}).
   * @param options.visible visible-token index `[B, K]` (models exported with `visibleInput`).
   * @throws ShapeError for a clip size the graph does not take (naming it), or a visible index the model does not take.
   */
  async embed(clips: ClipBatch, options: { visible?: Int32Array } = {}): Promise<Embedding> {
    const d = this.meta.vit.width;
    const { B, grid } = this.checkClips(clips.shape);
    const feeds: Record<string, TypedTensor> = {
      clips: { dtype: 'float32', data: clips.data, dims: clips.shape },
    };
    if (this.meta.visibleInput !== (options.visible !== undefined)) {
      throw new ShapeError(
        this.meta.visibleInput
          ? 'this encoder needs a visible-token index'
          : 'this encoder was exported without a visible input',
        {
          name: 'visible',
          expected: this.meta.visibleInput ? [B, 'K'] : [],
          actual: [options.visible?.length ?? 0],
        },
      );
    }
    if (options.visible) {
      const n = grid.t * grid.h * grid.w;
      const v = options.visible;
      if (v.length % B !== 0 || v.length === 0 || v.some((i) => i < 0 || i >= n)) {
        throw new ShapeError(`visible index must be [${B}, K] with ids in [0, ${n})`, {
          name: 'visible',
          expected: [B, 'K'],
          actual: [v.length],
        });
      }
      feeds.visible = {
        dtype: 'int64',
        data: BigInt64Array.from(v, (i) => BigInt(i)),
        dims: [B, v.length / B],
      };
    }
    const tokensPerClip = options.visible ? options.visible.length / B : grid.t * grid.h * grid.w;
    const out = await runInSlices(
      this.session,
      feeds,
      rowsPerRun(this.session, this.runTokens, tokensPerClip),
    );
    // The session does not reuse output buffers (reuseOutputs: false): each run's arrays are fresh and
    // already the caller's, so they are handed over without a copy.
    const copy = (name: string) => out[name].data as Float32Array;
    const intermediates = new Map<number, Float32Array>();
    for (const l of this.meta.layers) intermediates.set(l, copy(`layer_${l}`));
    const dims = out.tokens.dims as [number, number, number];
    return {
      tokens: copy('tokens'),
      intermediates,
      pooled: copy('pooled'),
      logits: this.meta.vit.numClasses > 0 ? copy('logits') : undefined,
      dims: [dims[0], dims[1], d],
      grid,
    };
  }

  /**
   * The clip sizes this encoder takes: exactly the exported `[T, H, W]`, or (exported with `maxClip`)
   * any multiple of the tubelet up to `max`.
   */
  get clipSizes(): {
    readonly tubelet: readonly [number, number, number];
    readonly max: readonly number[];
  } & ({ readonly dynamic: true } | { readonly dynamic: false; readonly clip: readonly number[] }) {
    const tubelet = this.meta.vit.tubelet;
    return this.meta.maxClip
      ? { dynamic: true, tubelet, max: this.meta.maxClip }
      : { dynamic: false, tubelet, max: this.meta.clip, clip: this.meta.clip };
  }

  /**
   * Checks a clip batch shape `[B, T, H, W, C]` against what the graph takes and returns B and its grid.
   * @throws ShapeError naming the size when T, H or W is not a multiple of the tubelet, is over the
   *   exported maximum, or (fixed-size graphs) differs from the exported clip.
   */
  checkClips(shape: readonly number[]): { B: number; grid: TokenGrid } {
    const c = this.meta.vit.channels;
    const max = this.meta.maxClip;
    if (!max) {
      const [t, h, w] = this.meta.clip;
      const { B } = assertShape('clips', shape, ['B', t, h, w, c]);
      return { B, grid: this.meta.grid };
    }
    const { B, T, H, W } = assertShape('clips', shape, ['B', 'T', 'H', 'W', c]);
    const names = ['frames', 'height', 'width'];
    const sizes = [T, H, W];
    const tube = this.meta.vit.tubelet;
    for (let i = 0; i < 3; i++) {
      const problem =
        sizes[i] <= 0 || sizes[i] % tube[i] !== 0
          ? `is not a positive multiple of the tubelet's ${tube[i]}`
          : sizes[i] > max[i]
            ? `is over the exported maximum ${max[i]}`
            : undefined;
      if (problem) {
        throw new ShapeError(
          `clip ${names[i]} ${sizes[i]} ${problem} (clip ${T} x ${H} x ${W}; this encoder takes multiples of ${tube.join(' x ')} up to ${max.join(' x ')})`,
          { name: 'clips', expected: ['B', ...max, c], actual: [...shape] },
        );
      }
    }
    return { B, grid: { t: T / tube[0], h: H / tube[1], w: W / tube[2] } };
  }

  /**
   * Embeds videos longer than the model's clip: windows of the exported frame count every `stride`
   * frames (default: the window, no overlap; the last window ends at the last frame), combined by
   * `mean` or `attention` (parameter-free: each window's weight is the softmax over windows of
   * <window, mean of windows> / sqrt(D)).
   * @param videos `[B, T, H, W, C]` with T >= the exported frame count.
   */
  async embedLong(
    videos: ClipBatch,
    options: { stride?: number; aggregate?: WindowAggregation } = {},
  ): Promise<LongEmbedding> {
    const frames = this.meta.clip[0];
    const c = this.meta.vit.channels;
    const d = this.meta.vit.width;
    const [h, w] = this.meta.maxClip
      ? [videos.shape[2], videos.shape[3]]
      : [this.meta.clip[1], this.meta.clip[2]];
    const { B, T } = assertShape('videos', videos.shape, ['B', 'T', h, w, c]);
    if (T < frames) {
      throw new ShapeError(`videos need at least ${frames} frames, got ${T}`, {
        name: 'videos',
        expected: [B, frames, h, w, c],
        actual: videos.shape,
      });
    }
    const stride = options.stride ?? frames;
    if (!Number.isInteger(stride) || stride <= 0)
      throw new ConfigError(`stride must be a positive integer, got ${stride}`, { key: 'stride' });
    const starts: number[] = [];
    for (let s = 0; s + frames <= T; s += stride) starts.push(s);
    if (starts[starts.length - 1] + frames < T) starts.push(T - frames);
    const frameSize = h * w * c;
    const windows = new Float32Array(B * starts.length * d);
    for (const [wi, s] of starts.entries()) {
      const clip = new Float32Array(B * frames * frameSize);
      for (let b = 0; b < B; b++) {
        const src = (b * T + s) * frameSize;
        clip.set(videos.data.subarray(src, src + frames * frameSize), b * frames * frameSize);
      }
      const e = await this.embed({ data: clip, shape: [B, frames, h, w, c] });
      for (let b = 0; b < B; b++)
        windows.set(e.pooled.subarray(b * d, (b + 1) * d), (b * starts.length + wi) * d);
    }
    const nw = starts.length;
    const weights = new Float32Array(B * nw);
    const pooled = new Float32Array(B * d);
    for (let b = 0; b < B; b++) {
      const mean = new Float64Array(d);
      for (let wi = 0; wi < nw; wi++)
        for (let j = 0; j < d; j++) mean[j] += windows[(b * nw + wi) * d + j] / nw;
      const logits = new Float64Array(nw);
      for (let wi = 0; wi < nw; wi++) {
        if (options.aggregate === 'attention') {
          let dot = 0;
          for (let j = 0; j < d; j++) dot += windows[(b * nw + wi) * d + j] * mean[j];
          logits[wi] = dot / Math.sqrt(d);
        }
      }
      const max = Math.max(...logits);
      let z = 0;
      for (let wi = 0; wi < nw; wi++) z += Math.exp(logits[wi] - max);
      for (let wi = 0; wi < nw; wi++) {
        const a = Math.exp(logits[wi] - max) / z;
        weights[b * nw + wi] = a;
        for (let j = 0; j < d; j++) pooled[b * d + j] += a * windows[(b * nw + wi) * d + j];
      }
    }
    return { pooled, windows, starts, weights };
  }

  /** Releases the session. */
  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
