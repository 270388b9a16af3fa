import { type ClipBatch, ConfigError, ShapeError, type TokenGrid, tokenCount } from '@vfmkit/core';
import { type Device, type OnnxSession, openSession, readModelInfo } from '@vfmkit/onnx';
import { codeDim, type TokenizerConfig } from '../config';
import { fsqIndicesToCodes } from '../fsq';
import { lfqIndicesToCodes } from '../lfq';
import type { TokenizerOnnxMeta } from './export';

/** Options of {@link VideoTokenizer.load}. */
export interface VideoTokenizerOptions {
  /** `auto` (CUDA when its provider loads, else CPU), `cuda` or `cpu`. */
  readonly device?: Device;
  /** Intra-op threads (ONNX Runtime's default when omitted). */
  readonly threads?: number;
  /** Where a CUDA fallback notice goes (default `console.warn`). */
  readonly log?: (line: string) => void;
}

/** What {@link VideoTokenizer.encode} returns; arrays are copies owned by the caller. */
export interface TokenizedClips {
  /** `[B, N]` token ids, t-major. */
  readonly ids: Int32Array;
  /** `[B, N, d]` quantized codes. */
  readonly codes: Float32Array;
  /** `[B, N]` priorities (higher = more important). */
  readonly priorities: Float32Array;
  /** `[B, N, d]` pre-quantization latents. */
  readonly latents: Float32Array;
  /** `[B, N, d]` */
  readonly dims: readonly [number, number, number];
  readonly grid: TokenGrid;
}

/**
 * A learned video tokenizer exported by `exportTokenizerOnnx`, run by ONNX Runtime: clips `[B, T, H, W, 3]`
 * in [0, 1] to token ids `[B, N]`, codes `[B, N, d]` and priorities `[B, N]`, and ids (or codes) back to clips.
 */
export class VideoTokenizer {
  private constructor(
    private readonly encoder: OnnxSession,
    private readonly decoder: OnnxSession,
    /** The tokenizer's config. */
    readonly config: TokenizerConfig,
    /** `[T, H, W]` the graphs accept. */
    readonly clip: readonly [number, number, number],
    /** The latent grid. */
    readonly grid: TokenGrid,
  ) {}

  /**
   * Opens the two graphs (paths or bytes).
   * @throws ConfigError when either graph is not a tokenizer graph or the two disagree on the config.
   */
  static async load(
    encoder: string | Uint8Array,
    decoder: string | Uint8Array,
    options: VideoTokenizerOptions = {},
  ): Promise<VideoTokenizer> {
    const metaOf = async (
      m: string | Uint8Array,
      kind: TokenizerOnnxMeta['kind'],
    ): Promise<TokenizerOnnxMeta> => {
      const meta = (await readModelInfo(m)).config as TokenizerOnnxMeta | undefined;
      if (meta?.kind !== kind)
        throw new ConfigError(`not a ${kind} graph (its metadata kind is ${meta?.kind ?? 'missing'})`, {
          key: kind,
        });
      return meta;
    };
    const enc = await metaOf(encoder, 'vfmkit.tokenizer.encoder');
    const dec = await metaOf(decoder, 'vfmkit.tokenizer.decoder');
    if (
      JSON.stringify(enc.tokenizer) !== JSON.stringify(dec.tokenizer) ||
      enc.clip.join() !== dec.clip.join()
    )
      throw new ConfigError('the encoder and decoder graphs come from different tokenizers or clip sizes', {
        key: 'decoder',
      });
    const opts = { device: options.device, threads: options.threads, log: options.log, reuseOutputs: false };
    const e = await openSession(encoder, opts);
    const d = await openSession(decoder, opts);
    return new VideoTokenizer(e, d, enc.tokenizer, enc.clip, enc.grid);
  }

  /** The provider that runs the graphs. */
  get provider(): 'cuda' | 'cpu' {
    return this.encoder.provider;
  }

  /** Tokens per clip. */
  get tokens(): number {
    return tokenCount(this.grid);
  }

  /**
   * Tokenizes clips.
   * @param clips `[B, T, H, W, C]` in [0, 1], `[T, H, W]` = {@link clip}
   * @throws ShapeError for another clip size.
   */
  async encode(clips: ClipBatch): Promise<TokenizedClips> {
    const [b, t, h, w, c] = clips.shape;
    if (t !== this.clip[0] || h !== this.clip[1] || w !== this.clip[2] || c !== this.config.channels)
      throw new ShapeError(
        `clips must be [B, ${this.clip.join(', ')}, ${this.config.channels}], got [${clips.shape}]`,
        {
          name: 'clips',
          expected: ['B', ...this.clip, this.config.channels],
          actual: [...clips.shape],
        },
      );
    const out = await this.encoder.run({
      clips: { dtype: 'float32', data: clips.data, dims: [...clips.shape] },
    });
    const n = this.tokens;
    const d = codeDim(this.config);
    return {
      ids: Int32Array.from(out.ids.data as Int32Array),
      codes: Float32Array.from(out.codes.data as Float32Array),
      priorities: Float32Array.from(out.priorities.data as Float32Array),
      latents: Float32Array.from(out.latents.data as Float32Array),
      dims: [b, n, d],
      grid: this.grid,
    };
  }

  /**
   * Codes of token ids (the quantizer's arithmetic; no model run).
   * @param ids `[B, N]`
   * @returns `[B, N, d]`
   */
  codesOf(ids: ArrayLike<number>): Float32Array {
    const q = this.config.quantizer;
    return q.kind === 'fsq' ? fsqIndicesToCodes(ids, q.levels) : lfqIndicesToCodes(ids, q.bits);
  }

  /**
   * Decodes token ids back to clips; `keep` (`[B, N]`, 1 = keep) zeroes the other tokens' codes first, as
   * the budget reconstruction does.
   * @param ids `[B, N]`
   * @returns clips `[B, T, H, W, C]`
   */
  async decode(ids: ArrayLike<number>, keep?: ArrayLike<number>): Promise<ClipBatch> {
    const codes = this.codesOf(ids);
    if (keep) {
      if (keep.length !== ids.length)
        throw new ShapeError(`keep must have one entry per token (${ids.length}), got ${keep.length}`, {
          name: 'keep',
          expected: [ids.length],
          actual: [keep.length],
        });
      const d = codeDim(this.config);
      for (let i = 0; i < keep.length; i++) if (!keep[i]) codes.fill(0, i * d, (i + 1) * d);
    }
    return this.decodeCodes(codes);
  }

  /**
   * Decodes codes (any values, e.g. zeroed tokens) to clips.
   * @param codes `[B, N, d]`
   * @returns clips `[B, T, H, W, C]`
   */
  async decodeCodes(codes: Float32Array): Promise<ClipBatch> {
    const n = this.tokens;
    const d = codeDim(this.config);
    if (codes.length % (n * d) !== 0)
      throw new ShapeError(`codes must be [B, ${n}, ${d}], got ${codes.length} values`, {
        name: 'codes',
        expected: ['B', n, d],
        actual: [codes.length],
      });
    const b = codes.length / (n * d);
    const out = await this.decoder.run({ codes: { dtype: 'float32', data: codes, dims: [b, n, d] } });
    return {
      data: Float32Array.from(out.clips.data as Float32Array),
      shape: [b, this.clip[0], this.clip[1], this.clip[2], this.config.channels],
    };
  }

  /** Releases both sessions. */
  async dispose(): Promise<void> {
    await this.encoder.dispose();
    await this.decoder.dispose();
  }
}
