import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@vfmkit/core';
import { EmptyCaptionError } from '../errors';
import { TokenizerFormatError, TokenizerTrainerUnavailableError } from './text-errors';

/** The optional peer that trains vocabularies (Hugging Face's Rust tokenizers, native Node binding). */
export const TRAINER_PACKAGE = 'tokenizers';
/** The version of {@link TRAINER_PACKAGE} this package is tested with. */
export const TRAINER_VERSION = '0.23.2';

/** Special tokens of a trained tokenizer, at ids 0..3 in this order. */
export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'] as const;

/** Vocabulary models {@link trainTokenizerJson} can train. */
export type VocabularyKind = 'wordpiece' | 'bpe';

/** The part of the `tokenizers` binding this module uses. */
interface NativeTokenizer {
  setNormalizer(n: unknown): void;
  setPreTokenizer(p: unknown): void;
  train(files: string[]): void;
  save(path: string, pretty?: boolean): void;
}
interface NativeModule {
  Tokenizer: new (model: unknown) => NativeTokenizer;
  WordPiece: { init(vocab: Record<string, number>, options?: { unkToken?: string }): unknown };
  BPE: { init(vocab: Record<string, number>, merges: unknown[], options?: { unkToken?: string }): unknown };
  bertNormalizer(options?: { lowercase?: boolean }): unknown;
  bertPreTokenizer(): unknown;
}

/**
 * Loads the native trainer through `importer` (the real dynamic import by default; a parameter so the
 * error path is testable).
 * @throws TokenizerTrainerUnavailableError naming the package to install when it does not load.
 */
export async function loadTrainer(
  importer: () => Promise<unknown> = () => import('tokenizers'),
): Promise<NativeModule> {
  let mod: unknown;
  try {
    mod = await importer();
  } catch (cause) {
    throw new TokenizerTrainerUnavailableError(
      `training a vocabulary needs the optional peer dependency '${TRAINER_PACKAGE}' ` +
        `(npm install ${TRAINER_PACKAGE}@${TRAINER_VERSION}); loading a tokenizer.json does not`,
      { package: TRAINER_PACKAGE, version: TRAINER_VERSION },
      { cause },
    );
  }
  const m = mod as Partial<NativeModule> & { default?: Partial<NativeModule> };
  const lib = typeof m.Tokenizer === 'function' ? m : m.default;
  if (!lib || typeof lib.Tokenizer !== 'function' || typeof lib.bertPreTokenizer !== 'function') {
    throw new TokenizerTrainerUnavailableError(
      `'${TRAINER_PACKAGE}' loaded but does not look like Hugging Face's tokenizers binding ` +
        `(install ${TRAINER_PACKAGE}@${TRAINER_VERSION})`,
      { package: TRAINER_PACKAGE, version: TRAINER_VERSION },
    );
  }
  return lib as NativeModule;
}

/** A parsed `tokenizer.json` (only the fields read here are typed). */
export type TokenizerJson = Record<string, unknown> & { model: Record<string, unknown> };

/**
 * Trains a vocabulary on `captions` with the native `tokenizers` library (BERT normalizer with
 * lowercasing, BERT pre-tokenizer) and returns a complete `tokenizer.json`: `[PAD]`, `[UNK]`, `[CLS]`,
 * `[SEP]` at ids 0..3, a post-processor that frames each caption as `[CLS] ... [SEP]`.
 *
 * The binding's `train(files)` takes no trainer options (its trainers run with their defaults: up to
 * 30000 tokens, no minimum frequency, no special tokens). `vocabSize` is applied afterwards by keeping
 * the first `vocabSize - 4` learned tokens in the trainer's own order (alphabet, then merges in the
 * order they were learned): the vocabulary the trainer holds when it reaches that size. A corpus whose
 * every word is already one token before that gives a smaller vocabulary.
 * @throws EmptyCaptionError for an empty or whitespace-only caption; ConfigError for a `vocabSize`
 *   below 4 + the corpus alphabet; TokenizerTrainerUnavailableError when `tokenizers` is missing.
 */
export async function trainTokenizerJson(
  captions: readonly string[],
  kind: VocabularyKind,
  vocabSize: number,
  importer?: () => Promise<unknown>,
): Promise<TokenizerJson> {
  if (captions.length === 0) {
    throw new ConfigError('cannot train a vocabulary on no captions', { key: 'captions' });
  }
  captions.forEach((c, index) => {
    if (typeof c !== 'string' || c.trim().length === 0) {
      throw new EmptyCaptionError(`caption ${index} is empty`, { index });
    }
  });
  if (!Number.isInteger(vocabSize) || vocabSize <= SPECIAL_TOKENS.length) {
    throw new ConfigError(`vocabSize must be an integer > ${SPECIAL_TOKENS.length}, got ${vocabSize}`, {
      key: 'vocabSize',
      value: vocabSize,
    });
  }
  const lib = await loadTrainer(importer);
  const dir = await mkdtemp(join(tmpdir(), 'vfmkit-vocab-'));
  let raw: TokenizerJson;
  try {
    const corpus = join(dir, 'captions.txt');
    await writeFile(corpus, captions.map((c) => c.replace(/[\r\n]+/g, ' ')).join('\n'));
    const model =
      kind === 'wordpiece'
        ? lib.WordPiece.init({}, { unkToken: '[UNK]' })
        : lib.BPE.init({}, [], { unkToken: '[UNK]' });
    const tok = new lib.Tokenizer(model);
    tok.setNormalizer(lib.bertNormalizer({ lowercase: true }));
    tok.setPreTokenizer(lib.bertPreTokenizer());
    tok.train([corpus]);
    const out = join(dir, 'tokenizer.json');
    tok.save(out);
    raw = JSON.parse(await readFile(out, 'utf8')) as TokenizerJson;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return finalizeTrained(raw, kind, vocabSize);
}

/** Splits a merge entry (`["a", "b"]` or the older `"a b"`) into its two parts. */
function mergeParts(m: unknown): [string, string] {
  if (Array.isArray(m) && m.length === 2) return [String(m[0]), String(m[1])];
  if (typeof m === 'string') {
    const i = m.indexOf(' ');
    if (i > 0) return [m.slice(0, i), m.slice(i + 1)];
  }
  throw new TokenizerFormatError(`unreadable BPE merge ${JSON.stringify(m)}`, { merge: m });
}

/**
 * Turns the trainer's raw output into the final tokenizer.json: specials first, the learned vocabulary
 * cut to `vocabSize` in learned order, merges cut at the same point (BPE).
 */
export function finalizeTrained(raw: TokenizerJson, kind: VocabularyKind, vocabSize: number): TokenizerJson {
  const learned = Object.entries(raw.model.vocab as Record<string, number>)
    .sort((a, b) => a[1] - b[1])
    .map(([tok]) => tok);
  const prefix = kind === 'wordpiece' ? '##' : '';
  let alphabet = 0;
  while (alphabet < learned.length) {
    const t = learned[alphabet];
    const base = prefix && t.startsWith(prefix) ? t.slice(prefix.length) : t;
    if ([...base].length !== 1) break;
    alphabet++;
  }
  const budget = vocabSize - SPECIAL_TOKENS.length;
  if (budget < alphabet) {
    throw new ConfigError(
      `vocabSize ${vocabSize} cannot hold the ${SPECIAL_TOKENS.length} special tokens and the corpus ` +
        `alphabet of ${alphabet} symbols: use at least ${alphabet + SPECIAL_TOKENS.length}`,
      { key: 'vocabSize', value: vocabSize, minimum: alphabet + SPECIAL_TOKENS.length },
    );
  }
  const kept = learned.slice(0, budget);
  const vocab: Record<string, number> = {};
  SPECIAL_TOKENS.forEach((t, i) => {
    vocab[t] = i;
  });
  kept.forEach((t, i) => {
    vocab[t] = i + SPECIAL_TOKENS.length;
  });
  const learnedId = raw.model.vocab as Record<string, number>;
  let model: Record<string, unknown>;
  if (kind === 'bpe') {
    const merges: [string, string][] = [];
    for (const m of (raw.model.merges as unknown[]) ?? []) {
      const [a, b] = mergeParts(m);
      const id = learnedId[a + b];
      if (id === undefined)
        throw new TokenizerFormatError(`merge result '${a + b}' is not in the vocabulary`);
      if (id >= budget) break;
      merges.push([a, b]);
    }
    model = { ...raw.model, unk_token: '[UNK]', vocab, merges };
  } else {
    model = { ...raw.model, unk_token: '[UNK]', vocab };
  }
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: raw.normalizer ?? null,
    pre_tokenizer: raw.pre_tokenizer ?? null,
    post_processor: { type: 'BertProcessing', sep: ['[SEP]', 3], cls: ['[CLS]', 2] },
    decoder: kind === 'wordpiece' ? { type: 'WordPiece', prefix: '##', cleanup: true } : null,
    model,
  };
}
