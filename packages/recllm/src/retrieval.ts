import type { Filters } from './filters';
import type { Item } from './item';

/** How a search retrieves: embedding search, BM25, or both fused by reciprocal rank fusion. */
export type RetrievalMode = 'dense' | 'lexical' | 'hybrid';
export const RETRIEVAL_MODES: readonly RetrievalMode[] = ['dense', 'lexical', 'hybrid'];

/** A search request. */
export interface SearchRequest {
  /** Free text (the retrieval query an LLM or rule policy wrote). */
  query: string;
  /** Default `hybrid`. */
  mode?: RetrievalMode;
  /** Results to return (default 10, at most 1000). */
  k?: number;
  filters?: Filters;
  /** Candidates each mode contributes before fusion (default max(k, 50)). */
  pool?: number;
  /** RRF damping constant (default 60). */
  rrfK?: number;
}

/** One search result: `rank` is 1-based; `ranks` gives the rank in each mode that found it. */
export interface SearchHit {
  readonly id: string;
  readonly item: Item;
  readonly rank: number;
  /** dense: cosine similarity; lexical: BM25; hybrid: the RRF score. */
  readonly score: number;
  readonly ranks: { readonly dense?: number; readonly video?: number; readonly lexical?: number };
}

/** What an upsert did, by id. Unchanged = same id and same content hash: nothing was written. */
export interface UpsertResult {
  readonly inserted: readonly string[];
  readonly updated: readonly string[];
  readonly unchanged: readonly string[];
}

/**
 * What the dialogue manager reads from a corpus: items by id, all items, and search. `CorpusStore`
 * (`@vfmkit/recllm/lancedb`) implements it over LanceDB + BM25; any other store can.
 */
export interface Retriever {
  /** Number of items. */
  readonly size: number;
  get(id: string): Item | undefined;
  all(): Item[];
  search(request: SearchRequest): Promise<SearchHit[]>;
}
