import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration } from './progress';

function sink(isTTY: boolean) {
  const lines: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    }),
    { isTTY, columns: 200 },
  );
  return { stream, lines };
}

describe('progress', () => {
  it('draws a bar with rate and ETA on a TTY', () => {
    const { stream, lines } = sink(true);
    let t = 0;
    const p = createProgress({ total: 10, label: 'train', stream, now: () => t, intervalMs: 0 });
    t = 2000;
    p.tick(4, { loss: 0.5 });
    expect(lines.at(-1)).toContain('train [##########--------------] 4/10 2.00/s ETA 0:03 loss=0.5');
    p.finish();
    expect(lines.at(-1)).toBe('\n');
  });

  it('writes JSONL lines off a TTY when given a log stream, nothing otherwise', () => {
    const { stream, lines } = sink(false);
    const log = sink(false);
    let t = 0;
    const p = createProgress({ total: 4, stream, jsonl: log.stream, now: () => t });
    t = 1000;
    p.update(2, { loss: 1 });
    p.finish();
    expect(lines).toEqual([]);
    const rows = log.lines.map((l) => JSON.parse(l));
    expect(rows[0]).toMatchObject({ event: 'progress', done: 2, total: 4, rate: 2, eta_s: 1, loss: 1 });
    expect(rows.length).toBe(2);
    const silent = sink(false);
    createProgress({ stream: silent.stream }).finish();
    expect(silent.lines).toEqual([]);
  });

  it('formats durations', () => {
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Number.NaN)).toBe('--:--');
  });
});
