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

/** Options of {@link LexicalIndex}. */
export interface LexicalIndexOptions {
  /**
   * Query terms found in more than this fraction of the documents are dropped before searching,
   * unless every term is that common (then the rarest is kept). Such terms have a BM25 IDF below
   * ln(1 + 1/f), and they are what makes a minisearch query slow: each scores every document it occurs
   * in. Default 1 (keep every term): on the synthetic corpus, whose small vocabulary makes most terms
   * common, 0.5 cut lexical recall@10 from 0.98 to 0.11 (and p50 latency from 189 to 6 ms). Lower it for
   * corpora with long-tailed vocabularies.
   */
  maxDocumentFrequency?: number;
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
  /** Documents per term, and the terms of each document (to undo on delete). */
  private readonly df = new Map<string, number>();
  private readonly docTerms = new Map<string, string[]>();
  private readonly maxDf: number;

  constructor(options: LexicalIndexOptions = {}) {
    this.maxDf = options.maxDocumentFrequency ?? 1;
  }

  /** Number of indexed items. */
  get size(): number {
    return this.mini.documentCount;
  }

  /** Adds or replaces items (by id). */
  upsert(items: readonly Item[]): void {
    for (const item of items) {
      this.delete([item.id]);
      const doc = {
        id: item.id,
        title: item.title,
        description: item.description,
        tags: item.tags.join(' '),
        channel: item.channel,
      };
      this.mini.add(doc);
      const terms = [...new Set(tokenize(`${doc.title} ${doc.description} ${doc.tags} ${doc.channel}`))];
      this.docTerms.set(item.id, terms);
      for (const t of terms) this.df.set(t, (this.df.get(t) ?? 0) + 1);
    }
  }

  /** Removes items by id (unknown ids are ignored). */
  delete(ids: readonly string[]): void {
    for (const id of ids) {
      if (!this.mini.has(id)) continue;
      this.mini.discard(id);
      for (const t of this.docTerms.get(id) ?? []) {
        const n = (this.df.get(t) ?? 1) - 1;
        if (n > 0) this.df.set(t, n);
        else this.df.delete(t);
      }
      this.docTerms.delete(id);
    }
  }

  /** The query terms that are searched (after dropping terms that are too common). */
  queryTerms(query: string): string[] {
    const terms = [...new Set(tokenize(query))];
    const limit = this.maxDf * Math.max(1, this.size);
    const kept = terms.filter((t) => (this.df.get(t) ?? 0) <= limit);
    if (kept.length > 0 || terms.length === 0) return kept;
    return [terms.reduce((a, b) => ((this.df.get(a) ?? 0) <= (this.df.get(b) ?? 0) ? a : b))];
  }

  /**
   * The `k` best ids for `query` by BM25, best first, keeping only ids that pass `accept`.
   * An empty or all-stopword query returns nothing.
   */
  search(query: string, k: number, accept?: (id: string) => boolean): LexicalHit[] {
    const terms = this.queryTerms(query);
    if (terms.length === 0) return [];
    const hits = this.mini.search(
      terms.join(' '),
      accept ? { filter: (r) => accept(r.id as string) } : undefined,
    );
    return hits.slice(0, k).map((h) => ({ id: h.id as string, score: h.score }));
  }
}
