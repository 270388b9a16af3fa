import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { ConfigError, ShapeError } from '@vfmkit/core';
import { EmptyCaptionError } from '../errors';
import { TokenizerFormatError } from './text-errors';
import { type TokenizerJson, trainTokenizerJson, type VocabularyKind } from './train-vocabulary';

/** A batch of tokenized captions, padded to one length. */
export interface TokenizedText {
  /** `[B * L]` token ids, row-major; padding holds `padId`. */
  readonly ids: Int32Array;
  /** `[B * L]`: 1 for a real token (specials included), 0 for padding. */
  readonly mask: Float32Array;
  /** `[B, L]`. */
  readonly shape: [number, number];
}

/** Options of {@link TextTokenizer.train}. */
export interface TextTokenizerTrainOptions {
  /** `bpe` (default; the native trainer is deterministic) or `wordpiece` (see the README on determinism). */
  readonly kind?: VocabularyKind;
  /** Upper bound on the vocabulary, the 4 special tokens included (default 1000). */
  readonly vocabSize?: number;
  /** @internal How `tokenizers` is imported (tests of the missing-package error). */
  readonly importer?: () => Promise<unknown>;
}

const PAD_NAMES = ['[PAD]', '<pad>', '<PAD>', '<|pad|>', '<|padding|>'];

/**
 * A text tokenizer for captions: any Hugging Face `tokenizer.json` (WordPiece, BPE, Unigram, ...),
 * encoded in pure JS by `@huggingface/tokenizers`, or one trained here on a caption corpus by
 * Hugging Face's native `tokenizers` (an optional peer, loaded only by {@link TextTokenizer.train}).
 *
 * {@link TextTokenizer.encode} keeps the tokenizer's own framing (e.g. `[CLS] ... [SEP]`), truncates the
 * caption's tokens (never the framing) to fit `maxLength`, and pads with `padId`.
 */
export class TextTokenizer {
  /** Ids lie in `[0, vocabSize)` (one more than the largest id of the vocabulary and added tokens). */
  readonly vocabSize: number;
  /**
   * The padding id: the tokenizer.json's `padding.pad_id`, else the id of `[PAD]`/`<pad>`, else 0
   * (padding is masked out, so any valid id works).
   */
  readonly padId: number;

  private constructor(
    private readonly json: TokenizerJson,
    private readonly hf: HfTokenizer,
  ) {
    let max = -1;
    for (const id of hf.get_vocab(true).values()) if (id > max) max = id;
    if (max < 0) throw new TokenizerFormatError('tokenizer.json has an empty vocabulary');
    this.vocabSize = max + 1;
    const padding = json.padding as { pad_id?: unknown } | null | undefined;
    const named = PAD_NAMES.map((t) => hf.token_to_id(t)).find((id) => id !== undefined);
    this.padId = typeof padding?.pad_id === 'number' ? padding.pad_id : (named ?? 0);
  }

  /**
   * Trains a vocabulary on `captions` (needs the optional peer `tokenizers`; see `trainTokenizerJson`
   * for how `vocabSize` is applied).
   * @throws EmptyCaptionError, ConfigError, TokenizerTrainerUnavailableError
   */
  static async train(
    captions: readonly string[],
    options: TextTokenizerTrainOptions = {},
  ): Promise<TextTokenizer> {
    const kind = options.kind ?? 'bpe';
    if (kind !== 'bpe' && kind !== 'wordpiece') {
      throw new ConfigError(`unknown vocabulary kind '${kind}' (use 'bpe' or 'wordpiece')`, { key: 'kind' });
    }
    const json = await trainTokenizerJson(captions, kind, options.vocabSize ?? 1000, options.importer);
    return TextTokenizer.fromJSON(json);
  }

  /**
   * Loads a Hugging Face `tokenizer.json` (its text or the parsed object).
   * @throws TokenizerFormatError when it is not valid JSON, has no model, or the library rejects it.
   */
  static fromJSON(json: string | object): TextTokenizer {
    let parsed: unknown = json;
    if (typeof json === 'string') {
      try {
        parsed = JSON.parse(json);
      } catch (cause) {
        throw new TokenizerFormatError('tokenizer.json is not valid JSON', {}, { cause });
      }
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new TokenizerFormatError('tokenizer.json must be a JSON object');
    }
    const obj = parsed as Record<string, unknown>;
    if (typeof obj.model !== 'object' || obj.model === null) {
      throw new TokenizerFormatError("tokenizer.json has no 'model'", { keys: Object.keys(obj) });
    }
    // The optional parts of a tokenizer.json, filled in when a hand-written file leaves them out.
    const filled: Record<string, unknown> = {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [],
      normalizer: null,
      pre_tokenizer: null,
      post_processor: null,
      decoder: null,
      ...obj,
    };
    const copy = structuredClone(filled) as TokenizerJson;
    let hf: HfTokenizer;
    try {
      hf = new HfTokenizer(copy, {});
    } catch (cause) {
      throw new TokenizerFormatError(
        `tokenizer.json is not usable: ${(cause as Error).message}`,
        {},
        { cause },
      );
    }
    return new TextTokenizer(copy, hf);
  }

  /** The tokenizer as a Hugging Face `tokenizer.json` text (what {@link TextTokenizer.fromJSON} reads). */
  toJSON(): string {
    return JSON.stringify(this.json);
  }

  /** The tokens of one caption with the tokenizer's framing (for inspection). */
  tokenize(text: string): string[] {
    return this.hf.tokenize(text, { add_special_tokens: true });
  }

  /**
   * Tokenizes, truncates and pads a batch of captions to `maxLength`.
   * @param texts B captions
   * @param maxLength L: every row is padded (or truncated) to it; the framing tokens are always kept.
   * @throws EmptyCaptionError for an empty, whitespace-only or token-less caption; ConfigError when
   *   `maxLength` cannot hold the framing plus one token; ShapeError for an empty batch.
   */
  encode(texts: readonly string[], maxLength: number): TokenizedText {
    if (texts.length === 0) {
      throw new ShapeError('cannot encode an empty batch of captions', {
        name: 'texts',
        expected: ['B > 0'],
        actual: [0],
      });
    }
    if (!Number.isInteger(maxLength) || maxLength < 1) {
      throw new ConfigError(`maxLength must be a positive integer, got ${maxLength}`, {
        key: 'maxLength',
        value: maxLength,
      });
    }
    const b = texts.length;
    const ids = new Int32Array(b * maxLength).fill(this.padId);
    const mask = new Float32Array(b * maxLength);
    texts.forEach((text, row) => {
      if (typeof text !== 'string' || text.trim().length === 0) {
        throw new EmptyCaptionError(`caption ${row} is empty`, { index: row });
      }
      const content = this.hf.encode(text, { add_special_tokens: false }).ids;
      if (content.length === 0) {
        throw new EmptyCaptionError(`caption ${row} ('${text}') has no tokens`, { index: row });
      }
      const framed = this.hf.encode(text, { add_special_tokens: true }).ids;
      const { head, tail } = framing(framed, content);
      const room = maxLength - head.length - tail.length;
      if (room < 1) {
        throw new ConfigError(
          `maxLength ${maxLength} cannot hold the ${head.length + tail.length} framing tokens and one token`,
          { key: 'maxLength', value: maxLength, minimum: head.length + tail.length + 1 },
        );
      }
      const seq = [...head, ...content.slice(0, room), ...tail];
      const off = row * maxLength;
      for (let i = 0; i < seq.length; i++) {
        ids[off + i] = seq[i];
        mask[off + i] = 1;
      }
    });
    return { ids, mask, shape: [b, maxLength] };
  }
}

/**
 * Splits `framed` (the caption with special tokens) into the tokens before and after `content`. A
 * post-processor that does not keep the content as one block is treated as having no framing.
 */
function framing(framed: readonly number[], content: readonly number[]): { head: number[]; tail: number[] } {
  const extra = framed.length - content.length;
  for (let p = 0; p <= extra; p++) {
    let same = true;
    for (let i = 0; i < content.length && same; i++) same = framed[p + i] === content[i];
    if (same) return { head: framed.slice(0, p), tail: framed.slice(p + content.length) };
  }
  return { head: [], tail: [] };
}
