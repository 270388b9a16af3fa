/** English stopwords dropped by {@link tokenize} (function words that carry no retrieval signal). */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a an and are as at be but by for from has have i in is it its me my of on or so that the then this to ' +
    'was were will with you your want like looking show find something some video videos one about please ' +
    'can could would any where which who what there their them they these those into than too very just'
  ).split(' '),
);

/**
 * Lowercases, splits on anything that is not a letter or digit, drops stopwords and stems each word
 * with {@link stem}, so "bounces", "bouncing" and "bounce" give one term.
 */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const t of text.toLowerCase().split(/[^\p{L}\p{N}]+/u))
    if (t.length > 0 && !STOPWORDS.has(t)) out.push(stem(t));
  return out;
}

/**
 * A light English suffix stemmer (a small subset of Porter's rules): strips one of `-ing`, `-ed`, `-es`,
 * `-s` (not `-ss`) when at least three letters remain, then a final `-e`, then undoubles a final
 * consonant other than l, s, z. "spinning" -> "spin", "striped" -> "strip", "bounces" -> "bounc". Words with digits are kept.
 */
export function stem(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  let w = word;
  const m = /^(.{3,}?)(ing|ed|es|s)$/.exec(w);
  if (m && !(m[2] === 's' && w.endsWith('ss'))) w = m[1];
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  if (w.length > 3 && /([b-df-hjkmnp-rtv-y])\1$/.test(w)) w = w.slice(0, -1);
  return w;
}

/** Word n-grams of `tokens` for every n in [1, maxN], joined by a space. */
export function ngrams(tokens: readonly string[], maxN: number): string[] {
  const out: string[] = [];
  for (let n = 1; n <= maxN; n++)
    for (let i = 0; i + n <= tokens.length; i++) out.push(tokens.slice(i, i + n).join(' '));
  return out;
}

/** 32-bit FNV-1a of a string's UTF-16 code units, mixed with `seed` (murmur3's finalizer). */
export function hash32(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
