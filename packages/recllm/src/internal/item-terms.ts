import { type Item, itemText } from '../item';
import { tokenize } from '../text';

/** The terms of one item that ranking and explanation checks look up, computed once per item object. */
export interface ItemTerms {
  /** Each stemmed word of each tag -> that tag (the last tag wins for a shared word). */
  readonly tagTerms: ReadonlyMap<string, string>;
  /** Stemmed words of the title. */
  readonly titleTerms: ReadonlySet<string>;
  /** Stemmed words of the title and the tags (tags whole, as `matchesPhrase` reads them). */
  readonly titleAndTags: ReadonlySet<string>;
  /** Stemmed words of everything the item says about itself (text, tags split at hyphens). */
  readonly own: ReadonlySet<string>;
}

// Items are immutable values (the store replaces an updated item with a new object), so an item
// object's terms never change; the cache goes with the object.
const cache = new WeakMap<Item, ItemTerms>();

/** The {@link ItemTerms} of `item` (cached per item object). */
export function itemTerms(item: Item): ItemTerms {
  let terms = cache.get(item);
  if (!terms) {
    const tagTerms = new Map<string, string>();
    for (const t of item.tags) for (const w of tokenize(t.replace(/-/g, ' '))) tagTerms.set(w, t);
    terms = {
      tagTerms,
      titleTerms: new Set(tokenize(item.title)),
      titleAndTags: new Set(tokenize(`${item.title} ${item.tags.join(' ')}`)),
      own: new Set(tokenize(`${itemText(item)} ${item.tags.join(' ').replace(/-/g, ' ')}`)),
    };
    cache.set(item, terms);
  }
  return terms;
}
