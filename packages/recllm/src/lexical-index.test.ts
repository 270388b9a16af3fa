import MiniSearch from 'minisearch';
import { describe, expect, it } from 'vitest';
import type { Item } from './item';
import { LexicalIndex } from './lexical-index';
import { generateCorpus } from './synthetic-corpus';
import { tokenize } from './text';

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

describe('LexicalIndex against minisearch 7 (the implementation it replaced)', () => {
  it('returns the same ids, order and scores on a 600-item corpus, also after replaces and deletes', async () => {
    const corpus = generateCorpus({ count: 600, seed: 11 });
    const mini = new MiniSearch<{
      id: string;
      title: string;
      description: string;
      tags: string;
      channel: string;
    }>({
      fields: ['title', 'description', 'tags', 'channel'],
      storeFields: [],
      tokenize: (text) => tokenize(text),
      processTerm: (term) => term,
      searchOptions: { boost: { title: 2, tags: 1.5 }, combineWith: 'OR' },
    });
    const doc = (i: Item) => ({
      id: i.id,
      title: i.title,
      description: i.description,
      tags: i.tags.join(' '),
      channel: i.channel,
    });
    const idx = new LexicalIndex();
    mini.addAll(corpus.map(doc));
    idx.upsert(corpus);
    const queries = [
      ...corpus.slice(0, 40).map((i) => `${i.tags.slice(0, 2).join(' ')} ${i.title.split(' ')[0]}`),
      'a red sphere that bounces',
      'red red sphere',
      'short videos from Marble Garage',
      corpus[5].channel,
    ];
    const compare = (accept?: (id: string) => boolean) => {
      for (const q of queries) {
        const terms = idx.queryTerms(q);
        const want = mini
          .search(terms.join(' '), accept ? { filter: (r) => accept(r.id as string) } : undefined)
          .slice(0, 30);
        const got = idx.search(q, 30, accept);
        expect(got.map((h) => h.id)).toEqual(want.map((h) => h.id));
        got.forEach((h, i) => {
          expect(h.score).toBeCloseTo(want[i].score, 10);
        });
      }
    };
    compare();
    compare((id) => Number(id.replace(/\D/g, '')) % 3 !== 0);
    // replace 50 items with edited copies and delete 30: minisearch discards, then vacuums its postings
    const edited = corpus
      .slice(100, 150)
      .map((i) => ({ ...i, title: `${i.title} remastered`, tags: [...i.tags, 'hd'] }));
    const gone = corpus.slice(200, 230).map((i) => i.id);
    for (const e of edited) mini.replace(doc(e));
    for (const id of gone) mini.discard(id);
    await mini.vacuum();
    idx.upsert(edited);
    idx.delete(gone);
    expect(idx.size).toBe(mini.documentCount);
    queries.push('remastered hd sphere');
    compare();
  });
});
