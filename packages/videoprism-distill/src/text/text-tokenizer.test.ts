import { ConfigError, ShapeError } from '@vfmkit/core';
import { caption, generateScene, taskConfig } from '@vfmkit/synth4d';
import { Tokenizer as NativeTokenizer } from 'tokenizers';
import { describe, expect, it } from 'vitest';
import { EmptyCaptionError } from '../errors';
import { TokenizerFormatError, TokenizerTrainerUnavailableError } from './text-errors';
import { TextTokenizer } from './text-tokenizer';

/** A tiny BERT-style WordPiece tokenizer.json, written by hand. */
const WORDPIECE_JSON = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]'].map((content, id) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  })),
  normalizer: {
    type: 'BertNormalizer',
    clean_text: true,
    handle_chinese_chars: true,
    strip_accents: null,
    lowercase: true,
  },
  pre_tokenizer: { type: 'BertPreTokenizer' },
  post_processor: { type: 'BertProcessing', sep: ['[SEP]', 3], cls: ['[CLS]', 2] },
  decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
  model: {
    type: 'WordPiece',
    unk_token: '[UNK]',
    continuing_subword_prefix: '##',
    max_input_chars_per_word: 100,
    vocab: {
      '[PAD]': 0,
      '[UNK]': 1,
      '[CLS]': 2,
      '[SEP]': 3,
      a: 4,
      red: 5,
      cube: 6,
      sp: 7,
      '##here': 8,
      move: 9,
      '##s': 10,
      '.': 11,
    },
  },
};

/** A tiny BPE tokenizer.json with two merges and no post-processor. */
const BPE_JSON = {
  version: '1.0',
  added_tokens: [],
  normalizer: null,
  pre_tokenizer: { type: 'Whitespace' },
  post_processor: null,
  decoder: null,
  model: {
    type: 'BPE',
    dropout: null,
    unk_token: '[UNK]',
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: false,
    byte_fallback: false,
    vocab: { '[PAD]': 0, '[UNK]': 1, r: 2, e: 3, d: 4, re: 5, red: 6 },
    merges: [
      ['r', 'e'],
      ['re', 'd'],
    ],
  },
};

const HAND_WRITTEN = [
  'A red cube slides to the left.',
  'The blue sphere bounces twice, then stops.',
  'Two green cylinders roll past each other.',
  'The camera pans slowly to the right.',
  'A small yellow box spins in place.',
];

function synthCaptions(n: number, offset = 0): string[] {
  const cfg = taskConfig('actions', { size: 16, frames: 2 });
  return Array.from({ length: n }, (_, i) => caption(generateScene(cfg, offset + i)));
}

function rows(t: { ids: Int32Array; shape: [number, number] }): number[][] {
  const [b, l] = t.shape;
  return Array.from({ length: b }, (_, i) => [...t.ids.subarray(i * l, (i + 1) * l)]);
}

describe('TextTokenizer.fromJSON', () => {
  it('encodes with a hand-written WordPiece vocabulary (hand-worked ids)', () => {
    const tok = TextTokenizer.fromJSON(JSON.stringify(WORDPIECE_JSON));
    expect(tok.vocabSize).toBe(12);
    expect(tok.padId).toBe(0);
    // "a red sphere moves." -> a red sp ##here move ##s . = 4 5 7 8 9 10 11, framed by [CLS]=2 ... [SEP]=3.
    // At maxLength 6 the caption keeps 4 tokens and its framing. "A blue cube": "blue" has no pieces -> [UNK].
    const out = tok.encode(['A red sphere moves.', 'a cube', 'A BLUE cube'], 6);
    expect(out.shape).toEqual([3, 6]);
    expect(rows(out)).toEqual([
      [2, 4, 5, 7, 8, 3],
      [2, 4, 6, 3, 0, 0],
      [2, 4, 1, 6, 3, 0],
    ]);
    expect([...out.mask]).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0]);
    expect(rows(tok.encode(['A red sphere moves.'], 10))).toEqual([[2, 4, 5, 7, 8, 9, 10, 11, 3, 0]]);
    expect(tok.tokenize('red spheres')).toEqual(['[CLS]', 'red', 'sp', '##here', '##s', '[SEP]']);
  });

  it('encodes with a hand-written BPE vocabulary (merges applied in order, no framing)', () => {
    const tok = TextTokenizer.fromJSON(BPE_JSON);
    expect(tok.vocabSize).toBe(7);
    // "red" -> r e d -> re d -> red = 6; "dr" has no merge -> d r = 4 2; "er" -> e r = 3 2.
    expect(rows(tok.encode(['red dr', 'er'], 5))).toEqual([
      [6, 4, 2, 0, 0],
      [3, 2, 0, 0, 0],
    ]);
    // Truncation without framing keeps the first tokens.
    expect(rows(tok.encode(['red dr'], 2))).toEqual([[6, 4]]);
  });

  it('accepts a minimal tokenizer.json (only a model and a pre-tokenizer)', () => {
    const tok = TextTokenizer.fromJSON({
      model: {
        type: 'WordPiece',
        unk_token: '[UNK]',
        continuing_subword_prefix: '##',
        max_input_chars_per_word: 100,
        vocab: { '[PAD]': 0, '[UNK]': 1, a: 2, b: 3 },
      },
      pre_tokenizer: { type: 'WhitespaceSplit' },
    });
    expect(rows(tok.encode(['a b c', 'b'], 4))).toEqual([
      [2, 3, 1, 0],
      [3, 0, 0, 0],
    ]);
  });

  it('round-trips through toJSON', () => {
    const tok = TextTokenizer.fromJSON(WORDPIECE_JSON);
    const again = TextTokenizer.fromJSON(tok.toJSON());
    expect(again.encode(['a red cube'], 8)).toEqual(tok.encode(['a red cube'], 8));
  });

  it('rejects unusable tokenizer.json with TokenizerFormatError', () => {
    expect(() => TextTokenizer.fromJSON('{not json')).toThrow(TokenizerFormatError);
    expect(() => TextTokenizer.fromJSON({ version: '1.0' })).toThrow(/no 'model'/);
    expect(() => TextTokenizer.fromJSON('[1, 2]')).toThrow(TokenizerFormatError);
  });

  it('throws typed errors for empty captions and bad lengths', () => {
    const tok = TextTokenizer.fromJSON(WORDPIECE_JSON);
    expect(() => tok.encode(['a cube', '   '], 8)).toThrow(EmptyCaptionError);
    expect(() => tok.encode(['a cube', ''], 8)).toThrow(expect.objectContaining({ code: 'EMPTY_CAPTION' }));
    try {
      tok.encode(['a', '\t\n'], 4);
      expect.unreachable();
    } catch (e) {
      expect((e as EmptyCaptionError).details).toEqual({ index: 1 });
    }
    expect(() => tok.encode(['a cube'], 2)).toThrow(ConfigError);
    expect(() => tok.encode(['a cube'], 0)).toThrow(ConfigError);
    expect(() => tok.encode([], 8)).toThrow(ShapeError);
  });
});

describe('TextTokenizer.train', () => {
  it('trains a deterministic BPE vocabulary on synth4d captions that covers held-out captions', async () => {
    const train = synthCaptions(200);
    const a = await TextTokenizer.train(train, { kind: 'bpe', vocabSize: 1000 });
    const b = await TextTokenizer.train(train, { kind: 'bpe', vocabSize: 1000 });
    expect(a.toJSON()).toBe(b.toJSON());
    expect(a.padId).toBe(0);
    // 39 distinct words: once every word is one token the trainer stops, far below the cap.
    expect(a.vocabSize).toBeGreaterThan(39 + 4);
    expect(a.vocabSize).toBeLessThan(1000);
    const held = synthCaptions(50, 10_000);
    const enc = a.encode(held, 64);
    for (let r = 0; r < held.length; r++) {
      const row = [...enc.ids.subarray(r * 64, (r + 1) * 64)];
      const n = enc.mask.subarray(r * 64, (r + 1) * 64).reduce((s, v) => s + v, 0);
      expect(row[0]).toBe(2); // [CLS]
      expect(row[n - 1]).toBe(3); // [SEP]
      expect(row.slice(1, n - 1)).not.toContain(1); // no [UNK]
      expect(row.slice(n)).toEqual(new Array(64 - n).fill(0));
      // Every caption word is a single token: as many tokens as words and punctuation marks.
      expect(n - 2).toBe(held[r].toLowerCase().match(/[a-z]+|[.,]/g)?.length);
    }
  });

  it("encodes the same ids as Hugging Face's native library on the trained tokenizer.json", async () => {
    const tok = await TextTokenizer.train([...synthCaptions(100), ...HAND_WRITTEN], { vocabSize: 80 });
    expect(tok.vocabSize).toBe(80);
    const native = NativeTokenizer.fromString(tok.toJSON());
    const texts = [...HAND_WRITTEN, 'A purple cone wobbles around!', ...synthCaptions(5, 500)];
    const ours = tok.encode(texts, 96);
    for (let r = 0; r < texts.length; r++) {
      const ref = (await native.encode(texts[r])).getIds();
      expect([...ours.ids.subarray(r * 96, r * 96 + ref.length)]).toEqual(ref);
      expect(ours.mask[r * 96 + ref.length]).toBe(0);
    }
  });

  it('cuts the learned vocabulary at vocabSize in learned order and rejects one below the alphabet', async () => {
    const full = JSON.parse((await TextTokenizer.train(HAND_WRITTEN, { vocabSize: 1000 })).toJSON());
    const cut = JSON.parse((await TextTokenizer.train(HAND_WRITTEN, { vocabSize: 50 })).toJSON());
    const fullVocab = full.model.vocab as Record<string, number>;
    const cutVocab = cut.model.vocab as Record<string, number>;
    expect(Object.keys(cutVocab)).toHaveLength(50);
    // The cut vocabulary is the full one's first 50 ids, the merges its first ones.
    for (const [t, id] of Object.entries(cutVocab)) expect(fullVocab[t]).toBe(id);
    expect(cut.model.merges).toEqual(full.model.merges.slice(0, cut.model.merges.length));
    // Letters of the corpus (a..y minus a few) + '.' + ',' + 4 specials.
    await expect(TextTokenizer.train(HAND_WRITTEN, { vocabSize: 10 })).rejects.toThrow(ConfigError);
  });

  it('trains a WordPiece vocabulary with ## continuations', async () => {
    const tok = await TextTokenizer.train(HAND_WRITTEN, { kind: 'wordpiece', vocabSize: 1000 });
    const json = JSON.parse(tok.toJSON());
    expect(json.model.type).toBe('WordPiece');
    expect(Object.keys(json.model.vocab).some((t) => t.startsWith('##'))).toBe(true);
    const ids = tok.encode(['the red cube slides'], 8).ids;
    expect([...ids]).toEqual([
      2,
      json.model.vocab.the,
      json.model.vocab.red,
      json.model.vocab.cube,
      json.model.vocab.slides,
      3,
      0,
      0,
    ]);
    // A word with a character never seen in training is [UNK] as a whole.
    expect(tok.encode(['zzz'], 4).ids[1]).toBe(1);
  });

  it('throws typed errors for empty captions and a missing trainer package', async () => {
    await expect(TextTokenizer.train(['a red cube', ' '])).rejects.toThrow(EmptyCaptionError);
    const missing = () => Promise.reject(new Error("Cannot find package 'tokenizers'"));
    const err = await TextTokenizer.train(['a red cube'], { importer: missing }).catch((e) => e);
    expect(err).toBeInstanceOf(TokenizerTrainerUnavailableError);
    expect(err.message).toMatch(/npm install tokenizers@0\.23\.2/);
  });
});
