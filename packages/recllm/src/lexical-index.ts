import MiniSearch from 'minisearch';
import type { Item } from './item';
import { tokenize } from './text';

/** One lexical hit: the item id and its BM25 score (higher is better). */
export interface LexicalHit {
  readonly id: string;
  readonly score: number;
}

interface LexicalDoc {
  id: string;
  title: string;
  description: string;
  tags: string;
  channel: string;
}

/**
 * BM25 lexical search over item title, description, tags and channel, backed by minisearch (its BM25+
 * scoring, k1 = 1.2, b = 0.7, delta = 0.5; title boosted 2x, tags 1.5x). Terms come from the same
 * `tokenize` as the hashing embedder, so both modes see the same words. Supports add, replace and
 * delete at any time (deleted documents are vacuumed by minisearch in the background).
 */
export class LexicalIndex {
  private readonly mini = new MiniSearch<LexicalDoc>({
    fields: ['title', 'description', 'tags', 'channel'],
    storeFields: [],
    tokenize: (text) => tokenize(text),
    processTerm: (term) => term,
    searchOptions: { boost: { title: 2, tags: 1.5 }, combineWith: 'OR' },
  });

  /** Number of indexed items. */
  get size(): number {
    return this.mini.documentCount;
  }

  /** Adds or replaces items (by id). */
  upsert(items: readonly Item[]): void {
    for (const item of items) {
      if (this.mini.has(item.id)) this.mini.discard(item.id);
      this.mini.add({
        id: item.id,
        title: item.title,
        description: item.description,
        tags: item.tags.join(' '),
        channel: item.channel,
      });
    }
  }

  /** Removes items by id (unknown ids are ignored). */
  delete(ids: readonly string[]): void {
    for (const id of ids) if (this.mini.has(id)) this.mini.discard(id);
  }

  /**
   * The `k` best ids for `query` by BM25, best first, keeping only ids that pass `accept`.
   * An empty or all-stopword query returns nothing.
   */
  search(query: string, k: number, accept?: (id: string) => boolean): LexicalHit[] {
    if (tokenize(query).length === 0) return [];
    const hits = this.mini.search(query, accept ? { filter: (r) => accept(r.id as string) } : undefined);
    return hits.slice(0, k).map((h) => ({ id: h.id as string, score: h.score }));
  }
}
