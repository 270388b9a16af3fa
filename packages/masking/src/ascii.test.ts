import { describe, expect, it } from 'vitest';
import { renderMaskAscii } from './ascii';

describe('renderMaskAscii', () => {
  it('hand-worked: 2 slices of 2 x 3 with an encoder and a decoder mask', () => {
    const hidden = Uint8Array.from([1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0]);
    const target = Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0]);
    expect(renderMaskAscii({ t: 2, h: 2, w: 3 }, { hidden, target })).toBe(
      ['t=0  t=1', 'o.#  #o+', '..#  .#.'].join('\n'),
    );
    expect(
      renderMaskAscii({ t: 2, h: 1, w: 2 }, { hidden: Uint8Array.from([1, 0, 0, 1]) }, { perRow: 1 }),
    ).toBe(['t=0', '#.', '', 't=1', '.#'].join('\n'));
  });
});
