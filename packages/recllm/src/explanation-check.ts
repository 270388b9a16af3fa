import { itemTerms } from './internal/item-terms';
import type { Item } from './item';
import { tokenize } from './text';

/**
 * The fact vocabulary of a corpus: every stemmed word of every tag and every channel name. A word of an
 * explanation that is in this vocabulary names a fact (a colour, a shape, a motion, a channel...).
 */
export interface FactVocabulary {
  readonly terms: ReadonlySet<string>;
  /** Channel names, lowercased. */
  readonly channels: ReadonlySet<string>;
}

/** Builds the {@link FactVocabulary} of `items`. */
export function factVocabulary(items: Iterable<Item>): FactVocabulary {
  const terms = new Set<string>();
  const channels = new Set<string>();
  for (const item of items) {
    for (const t of item.tags) for (const w of tokenize(t.replace(/-/g, ' '))) terms.add(w);
    channels.add(item.channel.toLowerCase());
    for (const w of tokenize(item.channel)) terms.add(w);
  }
  return { terms, channels };
}

/** The verdict on one explanation: `unsupported` lists the facts it names that the item lacks. */
export interface ExplanationCheck {
  readonly grounded: boolean;
  readonly unsupported: readonly string[];
}

/**
 * Flags an explanation that names a fact absent from its item: (1) a fact-vocabulary word (tag or
 * channel word) not found in the item's title, description, tags or channel; (2) another channel's
 * name; (3) a number that is neither in the item's text nor its duration in seconds or minutes
 * (rounded either way). Wording outside the vocabulary (e.g. "great", "relaxing") is not judged.
 */
export function checkExplanation(
  explanation: string,
  item: Item,
  vocabulary: FactVocabulary,
): ExplanationCheck {
  const own = itemTerms(item).own;
  const unsupported = new Set<string>();
  const lower = explanation.toLowerCase();
  const itemChannel = item.channel.toLowerCase();
  for (const ch of vocabulary.channels)
    if (ch !== itemChannel && ch.length > 3 && lower.includes(ch)) unsupported.add(`channel:${ch}`);
  for (const w of tokenize(explanation)) {
    if (/^\d+(\.\d+)?$/.test(w)) {
      const n = Number(w);
      const allowed = [item.durationS, item.durationS / 60].flatMap((x) => [
        Math.floor(x),
        Math.ceil(x),
        Math.round(x),
      ]);
      if (!own.has(w) && !allowed.includes(n)) unsupported.add(w);
    } else if (vocabulary.terms.has(w) && !own.has(w)) unsupported.add(w);
  }
  return { grounded: unsupported.size === 0, unsupported: [...unsupported] };
}
