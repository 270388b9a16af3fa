import { describe, expect, it } from 'vitest';
import type { Item } from './item';
import { LexicalIndex } from './lexical-index';

const item = (id: string, title: string): Item => ({
  id,
  title,
  description: '',
  tags: [],
  durationS: 10,
  channel: 'C',
});

describe('LexicalIndex', () => {
  it('ranks by BM25 and tracks document frequencies through replace and delete', () => {
    const idx = new LexicalIndex({ maxDocumentFrequency: 0.5 });
    idx.upsert([
      item('a', 'red sphere'),
      item('b', 'red box'),
      item('c', 'red cylinder'),
      item('d', 'blue sphere'),
    ]);
    // 'red' is in 3 of 4 documents (> 0.5): dropped; 'sphere' (2 of 4) is kept.
    expect(idx.queryTerms('red sphere')).toEqual(['spher']);
    expect(
      idx
        .search('red sphere', 10)
        .map((h) => h.id)
        .sort(),
    ).toEqual(['a', 'd']);
    // Only common terms: the rarest is kept.
    expect(idx.queryTerms('red c')).toEqual(['red']);
    idx.upsert([item('b', 'green box')]);
    idx.delete(['c', 'missing']);
    expect(idx.size).toBe(3);
    // Now 'red' is in 1 of 3 documents (kept) and 'sphere' in 2 of 3 (dropped).
    expect(idx.queryTerms('red sphere')).toEqual(['red']);
    expect(idx.search('red sphere', 1)[0].id).toBe('a');
    expect(idx.search('the of', 5)).toEqual([]);
  });
});
