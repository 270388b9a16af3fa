import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorpusStore } from './corpus-store';
import { HashingEmbedder } from './hashing-embedder';
import { type Item, itemText } from './item';
import { generateCorpus } from './synthetic-corpus';

const embedder = new HashingEmbedder({ dim: 128 });
const items = generateCorpus({ count: 400, seed: 3 });
let dir: string;
let store: CorpusStore;

/** Independent float64 cosine ranking over the test's own copy of the item texts. */
function exactRanking(
  corpus: readonly Item[],
  query: string,
  k: number,
  accept: (i: Item) => boolean,
): string[] {
  const q = embedder.embedOne(query);
  const scored = corpus
    .filter(accept)
    .map((it) => {
      const v = embedder.embedOne(itemText(it));
      let dot = 0;
      for (let d = 0; d < v.length; d++) dot += v[d] * q[d];
      return { id: it.id, s: dot };
    })
    .sort((a, b) => b.s - a.s);
  return scored.slice(0, k).map((x) => x.id);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'recllm-store-'));
  store = await CorpusStore.open({ dir, embedder });
  const r = await store.upsert(items);
  expect(r.inserted).toHaveLength(400);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('CorpusStore', () => {
  it('dense search equals an exact cosine ranking; scores are cosines', async () => {
    const query = 'red sphere bouncing with orbiting camera';
    const hits = await store.search({ query, mode: 'dense', k: 10 });
    const exact = exactRanking(items, query, 10, () => true);
    expect(hits.map((h) => h.id)).toEqual(exact);
    expect(hits[0].rank).toBe(1);
    expect(hits[0].ranks.dense).toBe(1);
  });

  it('lexical and hybrid searches find an item by words of its title; hybrid fuses both lists', async () => {
    const target = items[17];
    const query = `${target.title} ${target.channel}`;
    const lex = await store.search({ query, mode: 'lexical', k: 5 });
    expect(lex.map((h) => h.id)).toContain(target.id);
    const hyb = await store.search({ query, mode: 'hybrid', k: 20 });
    const withBoth = hyb.filter((h) => h.ranks.dense !== undefined && h.ranks.lexical !== undefined);
    expect(withBoth.length).toBeGreaterThan(0);
    for (let i = 1; i < hyb.length; i++) expect(hyb[i].score).toBeLessThanOrEqual(hyb[i - 1].score);
  });

  it('applies tag, channel and duration filters in every mode, matching a filtered exact search', async () => {
    const filters = { tags: ['red', 'sphere'], maxDurationS: 600 };
    const accept = (i: Item) => i.tags.includes('red') && i.tags.includes('sphere') && i.durationS <= 600;
    expect(items.filter(accept).length).toBeGreaterThan(10);
    const dense = await store.search({ query: 'bounces camera', mode: 'dense', k: 10, filters });
    expect(dense.map((h) => h.id)).toEqual(exactRanking(items, 'bounces camera', 10, accept));
    for (const mode of ['lexical', 'hybrid'] as const) {
      const hits = await store.search({ query: 'bounces camera', mode, k: 50, filters });
      expect(hits.length).toBeGreaterThan(0);
      for (const h of hits) expect(accept(h.item)).toBe(true);
    }
    const channel = items[0].channel;
    const byChannel = await store.search({
      query: 'sphere box cylinder',
      mode: 'hybrid',
      k: 400,
      filters: { channel },
    });
    expect(new Set(byChannel.map((h) => h.item.channel))).toEqual(new Set([channel]));
    const none = await store.search({ query: 'sphere', filters: { tags: ['no-such-tag'] } });
    expect(none).toEqual([]);
  });

  it('upserts idempotently by id + content hash, updates and deletes while serving', async () => {
    const again = await store.upsert(items.slice(0, 50));
    expect(again).toEqual({ inserted: [], updated: [], unchanged: items.slice(0, 50).map((i) => i.id) });
    const edited = { ...items[5], title: 'Zebra quasar unicycle', tags: [...items[5].tags, 'zebra'] };
    const fresh: Item = { ...items[6], id: 'new-1', title: 'Quasar lighthouse timelapse' };
    // Searches keep running while writes happen.
    const during = Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        store.search({ query: `sphere ${i}`, mode: i % 2 ? 'dense' : 'hybrid' }),
      ),
    );
    const [r] = await Promise.all([store.upsert([edited, fresh]), during]);
    expect(r).toEqual({ inserted: ['new-1'], updated: [items[5].id], unchanged: [] });
    expect(store.size).toBe(401);
    for (const mode of ['dense', 'lexical', 'hybrid'] as const) {
      const hits = await store.search({ query: 'zebra quasar unicycle', mode, k: 3 });
      expect(hits[0].id).toBe(items[5].id);
    }
    expect((await store.search({ query: 'x', mode: 'lexical', filters: { tags: ['zebra'] } })).length).toBe(
      0,
    );
    expect(
      (await store.search({ query: 'zebra', mode: 'lexical', filters: { tags: ['zebra'] } }))[0].id,
    ).toBe(items[5].id);
    expect(await store.delete([items[5].id, 'new-1', 'missing'])).toBe(2);
    for (const mode of ['dense', 'lexical', 'hybrid'] as const) {
      const hits = await store.search({ query: 'zebra quasar unicycle lighthouse', mode, k: 400 });
      expect(hits.map((h) => h.id)).not.toContain(items[5].id);
      expect(hits.map((h) => h.id)).not.toContain('new-1');
    }
    expect(store.size).toBe(399);
    await store.upsert([items[5]]);
    expect(store.size).toBe(400);
  });

  it('reopens from disk with the same items and rejects a different embedder', async () => {
    const reopened = await CorpusStore.open({ dir, embedder });
    expect(reopened.size).toBe(store.size);
    expect(reopened.hashOf(items[9].id)).toBe(store.hashOf(items[9].id));
    const q = { query: items[9].title, mode: 'dense' as const, k: 5 };
    expect((await reopened.search(q)).map((h) => h.id)).toEqual((await store.search(q)).map((h) => h.id));
    // BM25 statistics are rebuilt from the reopened rows, the top hit agrees.
    const lq = { query: `${items[9].title} ${items[9].channel}`, mode: 'lexical' as const, k: 1 };
    expect((await reopened.search(lq))[0].id).toBe((await store.search(lq))[0].id);
    await reopened.close();
    await expect(reopened.search(q)).rejects.toThrow(/closed/);
    await expect(CorpusStore.open({ dir, embedder: new HashingEmbedder({ dim: 64 }) })).rejects.toThrow(
      /was built with embedder 'hashing-bow-d128/,
    );
  });

  it("dense search in memory equals LanceDB's flat scan (denseScan: 'lancedb') on the same table", async () => {
    const v = embedder.embedOne('orange lighthouse spinning');
    await store.upsert([{ ...items[8], id: 'vid-2', videoEmbedding: Array.from(v) }]);
    const flat = await CorpusStore.open({ dir, embedder, denseScan: 'lancedb' });
    try {
      const filters = [undefined, { tags: ['red'] }, { maxDurationS: 120, excludeTags: ['sphere'] }];
      for (const query of ['red sphere bouncing', 'orange lighthouse spinning', items[30].title])
        for (const f of filters) {
          const req = { query, mode: 'dense' as const, k: 20, filters: f };
          const [mem, lance] = [await store.search(req), await flat.search(req)];
          expect(mem.length).toBe(lance.length);
          expect(mem.map((h) => h.id)).toEqual(lance.map((h) => h.id));
          mem.forEach((h, i) => {
            expect(h.score).toBeCloseTo(lance[i].score, 5);
            expect(h.ranks).toEqual(lance[i].ranks);
          });
        }
    } finally {
      await flat.close();
      await store.delete(['vid-2']);
    }
    await expect(CorpusStore.open({ dir, embedder, denseScan: 'gpu' as never })).rejects.toThrow(/denseScan/);
  });

  it('rejects invalid items, filters and arguments with typed errors and writes nothing', async () => {
    await expect(store.upsert([{ ...items[0], id: 'bad id' }])).rejects.toMatchObject({
      code: 'RECLLM_ITEM',
    });
    await expect(store.upsert([{ ...items[0], id: 'ok-2', tags: ['Not A Slug'] }])).rejects.toThrow(
      /tags\.0/,
    );
    expect(store.get('ok-2')).toBeUndefined();
    await expect(store.search({ query: 'x', k: 0 })).rejects.toThrow(/k must be an integer/);
    await expect(store.search({ query: 'x', filters: { tags: ["a' OR 1=1 --"] } })).rejects.toThrow(
      /invalid filters/,
    );
    await expect(store.search({ query: 'x', mode: 'fuzzy' as never })).rejects.toThrow(
      /unknown retrieval mode/,
    );
    await expect(store.upsert([{ ...items[0], id: 'v-1', videoEmbedding: [1, 2, 3] }])).rejects.toMatchObject(
      { code: 'RECLLM_STORE' },
    );
  });

  it('sees writes of another store instance on the same directory after refresh()', async () => {
    const other = await CorpusStore.open({ dir, embedder });
    const a = { ...items[20], id: 'from-other', title: 'Xylophone glacier' };
    await other.upsert([a, { ...items[21], title: 'Edited by the other store' }]);
    await other.delete([items[22].id]);
    expect(store.get('from-other')).toBeUndefined();
    const r = await store.refresh();
    expect(r).toEqual({ inserted: ['from-other'], updated: [items[21].id], deleted: [items[22].id] });
    expect((await store.search({ query: 'xylophone glacier', mode: 'lexical', k: 1 }))[0].id).toBe(
      'from-other',
    );
    expect((await store.search({ query: 'xylophone glacier', mode: 'dense', k: 1 }))[0].id).toBe(
      'from-other',
    );
    expect(await store.refresh()).toEqual({ inserted: [], updated: [], deleted: [] });
    // Two writers at once (LanceDB retries conflicting commits); a batch written by both is stored once.
    const extra = generateCorpus({ count: 40, seed: 99, idPrefix: 'w' });
    await Promise.all([
      store.upsert(extra.slice(0, 20)),
      other.upsert(extra.slice(20)),
      other.upsert(extra.slice(0, 20)),
    ]);
    const reopened = await CorpusStore.open({ dir, embedder });
    expect(reopened.size).toBe(440);
    expect(new Set(reopened.ids()).size).toBe(440);
    await reopened.close();
    await store.refresh();
    await store.delete(extra.map((i) => i.id));
    await other.close();
    await store.upsert([items[21], items[22]]);
    await store.delete(['from-other']);
  });

  it('opens one new directory from several stores at once (the first creates the table)', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'recllm-race-'));
    try {
      const stores = await Promise.all([0, 1, 2].map(() => CorpusStore.open({ dir: fresh, embedder })));
      await stores[0].upsert(items.slice(0, 3));
      await stores[2].refresh();
      expect(stores[2].ids().sort()).toEqual(
        items
          .slice(0, 3)
          .map((i) => i.id)
          .sort(),
      );
      for (const s of stores) await s.close();
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('searches video embeddings when items carry them', async () => {
    const v = embedder.embedOne('purple lighthouse');
    await store.upsert([
      { ...items[3], id: 'vid-1', title: 'Untitled', description: '', videoEmbedding: Array.from(v) },
    ]);
    const hits = await store.search({ query: 'purple lighthouse', mode: 'dense', k: 3 });
    // Fused with the text list by RRF: first in the video list, so its score is 1/61 at least.
    const hit = hits.find((h) => h.id === 'vid-1');
    expect(hit?.ranks.video).toBe(1);
    expect(hit?.score).toBeGreaterThanOrEqual(1 / 61 - 1e-12);
    await store.delete(['vid-1']);
  });
});
