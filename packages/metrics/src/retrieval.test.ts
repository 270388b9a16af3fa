import { ShapeError } from '@vfmkit/core';
import { describe, expect, it } from 'vitest';
import { MetricInputError } from './errors';
import { crossModalRetrieval, retrievalRecall } from './retrieval';

describe('retrievalRecall', () => {
  it('scores a hand-worked example', () => {
    // 3 queries x 4 gallery items; true items 1, 0, 3.
    const scores = [0.2, 0.9, 0.1, 0.3, /**/ 0.5, 0.6, 0.7, 0.1, /**/ 0.4, 0.3, 0.2, 0.1];
    // query 0: item 1 is the highest -> rank 1; query 1: 0.5 is below 0.6 and 0.7 -> rank 3;
    // query 2: item 3 has the lowest score -> rank 4.
    const r = retrievalRecall(scores, [3, 4], [1, 0, 3]);
    expect(r.r1).toBeCloseTo(1 / 3, 12);
    expect(r.r5).toBe(1);
    expect(r.r10).toBe(1);
    expect(r.medianRank).toBe(3);
    expect(r.count).toBe(3);
  });
  it('ranks ties by gallery index, so constant scores earn only chance-like credit', () => {
    const flat = new Array(2 * 3).fill(0.5);
    // query 0's target 0 wins its tie (rank 1); query 1's target 2 ranks last (rank 3).
    const r = retrievalRecall(flat, [2, 3], [0, 2]);
    expect(r.r1).toBe(0.5);
    expect(r.medianRank).toBe(2);
  });
  it('is NaN with no queries and rejects bad input', () => {
    expect(retrievalRecall([], [0, 3], []).r1).toBeNaN();
    expect(() => retrievalRecall([1, 2], [1, 2], [2])).toThrow(MetricInputError);
    expect(() => retrievalRecall([1, 2], [1, 2], [0, 1])).toThrow(ShapeError);
    expect(() => retrievalRecall([1, Number.NaN], [1, 2], [0])).toThrow(MetricInputError);
  });
});

describe('crossModalRetrieval', () => {
  it('reads rows as video-to-text and columns as text-to-video', () => {
    // video 0 is most similar to text 1, every other pair is matched on the diagonal.
    const sim = [0.1, 0.9, 0.0, /**/ 0.2, 0.8, 0.1, /**/ 0.0, 0.1, 0.7];
    const r = crossModalRetrieval(sim, 3);
    // video->text: v0 ranks t0 second (0.1 < 0.9, 0.1 > 0.0); v1 and v2 rank their texts first.
    expect(r.videoToText.r1).toBeCloseTo(2 / 3, 12);
    expect(r.videoToText.medianRank).toBe(1);
    // text->video: t0's column [0.1, 0.2, 0.0] ranks v0 second; t1's column [0.9, 0.8, 0.1] ranks v1
    // second; t2's column [0.0, 0.1, 0.7] ranks v2 first.
    expect(r.textToVideo.r1).toBeCloseTo(1 / 3, 12);
    expect(r.textToVideo.medianRank).toBe(2);
  });
});
