import { describe, expect, it } from 'vitest';
import { HashingEmbedder } from './hashing-embedder';
import { tokenize } from './text';

/** Independent float64 reference (over the same `tokenize` words): cosine of the (1 + ln tf)-weighted word and word-pair count vectors. */
function bowCosine(a: string, b: string): number {
  const grams = (t: string) => {
    const w = tokenize(t);
    const m = new Map<string, number>();
    for (let i = 0; i < w.length; i++) {
      m.set(w[i], (m.get(w[i]) ?? 0) + 1);
      if (i + 1 < w.length) m.set(`${w[i]} ${w[i + 1]}`, (m.get(`${w[i]} ${w[i + 1]}`) ?? 0) + 1);
    }
    for (const [k, v] of m) m.set(k, 1 + Math.log(v));
    return m;
  };
  const ga = grams(a);
  const gb = grams(b);
  let dot = 0;
  for (const [k, v] of ga) dot += v * (gb.get(k) ?? 0);
  const n = (m: Map<string, number>) => Math.sqrt([...m.values()].reduce((s, v) => s + v * v, 0));
  return dot / (n(ga) * n(gb));
}

const TEXTS = [
  'A red checkered sphere bounces, then spins. The camera orbits the scene.',
  'A red striped box bounces. The camera pans.',
  'A blue mottled cylinder falls to the ground. The camera shakes.',
  'Calm loop: red sphere bouncing and spinning in the sun',
  'Physics demo of a falling blue cylinder and a shaking camera',
  'Green boxes slide in a straight line, slide again, and slide once more',
];

describe('HashingEmbedder', () => {
  it('is deterministic, unit-norm and has the requested dimension', async () => {
    const e = new HashingEmbedder({ dim: 64, seed: 3 });
    const [a, b] = await e.embedText([TEXTS[0], TEXTS[0]]);
    expect(a.length).toBe(64);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Math.hypot(...a)).toBeCloseTo(1, 5);
    const other = new HashingEmbedder({ dim: 64, seed: 4 }).embedOne(TEXTS[0]);
    expect(Array.from(other)).not.toEqual(Array.from(a));
  });

  it('inner products approximate the bag-of-n-grams cosine (random projection, D = 4096)', () => {
    const e = new HashingEmbedder({ dim: 4096 });
    let pairs = 0;
    for (let i = 0; i < TEXTS.length; i++)
      for (let j = i + 1; j < TEXTS.length; j++) {
        const x = e.embedOne(TEXTS[i]);
        const y = e.embedOne(TEXTS[j]);
        let dot = 0;
        for (let d = 0; d < x.length; d++) dot += x[d] * y[d];
        expect(Math.abs(dot - bowCosine(TEXTS[i], TEXTS[j]))).toBeLessThan(0.08);
        pairs++;
      }
    expect(pairs).toBe(15);
    // Sanity on the reference itself: related texts share n-grams, unrelated ones do not.
    expect(bowCosine(TEXTS[0], TEXTS[1])).toBeGreaterThan(0.2);
    expect(bowCosine(TEXTS[2], TEXTS[5])).toBe(0);
  });

  it('maps a text without content words to the zero vector and rejects bad options', () => {
    const e = new HashingEmbedder();
    expect(e.embedOne('the and of').every((x) => x === 0)).toBe(true);
    expect(() => new HashingEmbedder({ dim: 4 })).toThrow(/dim must be an integer in \[8, 65536\]/);
    expect(() => new HashingEmbedder({ maxN: 9 })).toThrow(/maxN/);
  });
});
