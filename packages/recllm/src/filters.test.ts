import { describe, expect, it } from 'vitest';
import { type Filters, filterPredicate, matchesFilters } from './filters';
import { generateCorpus } from './synthetic-corpus';

describe('filterPredicate', () => {
  it('accepts exactly the items matchesFilters accepts, for every kind of filter and their combinations', () => {
    const items = generateCorpus({ count: 300, seed: 5 });
    const [a, b] = [items[0], items[1]];
    const cases: Filters[] = [
      { tags: [a.tags[0]] },
      { tags: a.tags.slice(0, 2) },
      { excludeTags: [a.tags[0], b.tags[1]] },
      { channel: a.channel.toUpperCase() },
      { minDurationS: 60 },
      { maxDurationS: 120 },
      { minDurationS: 30, maxDurationS: 600, excludeIds: items.slice(0, 40).map((i) => i.id) },
      {
        tags: [b.tags[0]],
        excludeTags: a.tags.filter((t) => !b.tags.includes(t)).slice(0, 1),
        channel: b.channel,
        maxDurationS: b.durationS,
      },
    ];
    for (const f of cases) {
      const pass = filterPredicate(f);
      expect(pass).toBeDefined();
      const got = items.filter((i) => pass?.(i)).map((i) => i.id);
      const want = items.filter((i) => matchesFilters(i, f)).map((i) => i.id);
      expect(got).toEqual(want);
      expect(want.length).toBeGreaterThan(0);
      expect(want.length).toBeLessThan(items.length);
    }
    expect(filterPredicate(undefined)).toBeUndefined();
    expect(filterPredicate({})).toBeUndefined();
    expect(filterPredicate({ tags: [], excludeIds: [] })).toBeUndefined();
  });
});
