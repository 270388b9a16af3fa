import { describe, expect, it } from 'vitest';
import { VectorMatrix } from './vector-matrix';

/** Independent float64 cosine top-k (ties by id) over the test's own copy of the vectors. */
function reference(vectors: Map<string, number[]>, q: number[], k: number, accept: (id: string) => boolean) {
  const norm = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  return [...vectors]
    .filter(([id]) => accept(id))
    .map(([id, v]) => {
      const n = norm(v) * norm(q);
      return { id, score: n === 0 ? 0 : v.reduce((a, x, j) => a + x * q[j], 0) / n };
    })
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}

describe('VectorMatrix', () => {
  it('returns the exact cosine top-k through sets, replaces, deletes and growth', () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31 - 0.5;
    };
    const dim = 13; // not a multiple of the 4-way unrolled loop
    const m = new VectorMatrix(dim);
    const copy = new Map<string, number[]>();
    const put = (id: string, v: number[]) => {
      // the matrix stores float32: the reference gets the same rounded values
      copy.set(id, Array.from(Float32Array.from(v)));
      m.set(id, v);
    };
    for (let i = 0; i < 300; i++) put(`i${i}`, Array.from({ length: dim }, rand));
    put('zero', new Array(dim).fill(0));
    for (let i = 0; i < 40; i++) put(`i${i * 3}`, Array.from({ length: dim }, rand)); // replaces
    for (let i = 0; i < 50; i++) {
      m.delete(`i${i * 5 + 1}`);
      copy.delete(`i${i * 5 + 1}`);
    }
    m.delete('never-added');
    expect(m.size).toBe(copy.size);
    for (let t = 0; t < 10; t++) {
      // the last five queries are sparse (zeros skipped by the scan)
      const q = Array.from({ length: dim }, (_, j) => (t >= 5 && j % 3 ? 0 : rand()));
      const accept = t % 2 ? (id: string) => id.endsWith('7') || id === 'zero' : () => true;
      const got = m.search(q, 25, t % 2 ? accept : undefined);
      const want = reference(copy, q, 25, accept);
      expect(got.map((h) => h.id)).toEqual(want.map((h) => h.id));
      got.forEach((h, i) => {
        expect(h.score).toBeCloseTo(want[i].score, 12);
      });
    }
    // a zero query scores every row 0; the limit caps the list
    expect(m.search(new Array(dim).fill(0), 3).map((h) => h.score)).toEqual([0, 0, 0]);
    expect(m.search([1, ...new Array(dim - 1).fill(0)], copy.size + 10)).toHaveLength(copy.size);
  });
});
