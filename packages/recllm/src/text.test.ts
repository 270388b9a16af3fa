import { describe, expect, it } from 'vitest';
import { stem, tokenize } from './text';

describe('tokenize and stem', () => {
  it('stems inflections of one word to one term', () => {
    const groups = [
      ['bounce', 'bounces', 'bouncing', 'bounced'],
      ['spin', 'spins', 'spinning'],
      ['stripe', 'stripes', 'striped'],
      ['slide', 'slides', 'sliding'],
      ['checker', 'checkered'],
    ];
    for (const g of groups) expect(new Set(g.map(stem)).size).toBe(1);
    expect(stem('glass')).toBe('glass');
    expect(stem('r2d2')).toBe('r2d2');
    expect(stem('box')).toBe('box');
  });

  it('drops stopwords and punctuation', () => {
    expect(tokenize('I want a RED sphere, bouncing!')).toEqual(['red', 'spher', 'bounc']);
    expect(tokenize('the and of')).toEqual([]);
  });
});
