import type { Writable } from 'node:stream';

/** Numbers shown beside the bar and logged with each update, e.g. `{ loss: 0.12 }`. */
export type ProgressFields = Record<string, number | string>;

/** Reports progress of long work (training, extraction, generation). */
export interface ProgressReporter {
  /** Advances by `n` units of work. */
  tick(n?: number, fields?: ProgressFields): void;
  /** Sets the absolute count of finished units. */
  update(done: number, fields?: ProgressFields): void;
  /** Ends the report (prints the final line on a TTY). */
  finish(fields?: ProgressFields): void;
}

export interface ProgressOptions {
  /** Units of work in total (steps, clips); omit when unknown. */
  total?: number;
  label?: string;
  /** `auto`: a bar on a TTY, JSONL lines otherwise when `jsonl` is given, else nothing. */
  mode?: 'auto' | 'bar' | 'jsonl' | 'silent';
  /** Where the bar goes (default `process.stderr`). */
  stream?: Writable & { isTTY?: boolean; columns?: number };
  /** Where JSONL progress lines go (mode `jsonl`, or `auto` off a TTY). */
  jsonl?: Writable;
  /** Minimum milliseconds between two outputs (default 100 for the bar, 1000 for JSONL). */
  intervalMs?: number;
  /** Clock in ms (for tests). */
  now?: () => number;
}

/** `h:mm:ss` or `m:ss` for a duration in seconds. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

function formatFields(fields: ProgressFields): string {
  return Object.entries(fields)
    .map(
      ([k, v]) =>
        `${k}=${typeof v === 'number' ? (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toFixed(4).replace(/\.?0+$/, '')) : v}`,
    )
    .join(' ');
}

/**
 * Creates a progress reporter: a bar with rate and ETA on a TTY, JSONL lines for machines, or nothing.
 * @example
 * const p = createProgress({ total: 100, label: 'train' });
 * for (let i = 0; i < 100; i++) p.tick(1, { loss });
 * p.finish();
 */
export function createProgress(options: ProgressOptions = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now());
  const mode =
    options.mode === 'auto' || options.mode === undefined
      ? stream.isTTY
        ? 'bar'
        : options.jsonl
          ? 'jsonl'
          : 'silent'
      : options.mode;
  const interval = options.intervalMs ?? (mode === 'bar' ? 100 : 1000);
  const start = now();
  let done = 0;
  let lastEmit = Number.NEGATIVE_INFINITY;
  let fields: ProgressFields = {};

  const snapshot = () => {
    const elapsed = (now() - start) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const eta = options.total !== undefined && rate > 0 ? (options.total - done) / rate : Number.NaN;
    return { elapsed, rate, eta };
  };

  const emit = (force: boolean) => {
    if (mode === 'silent') return;
    const t = now();
    if (!force && t - lastEmit < interval) return;
    lastEmit = t;
    const { elapsed, rate, eta } = snapshot();
    if (mode === 'jsonl') {
      const line = {
        event: 'progress',
        label: options.label,
        done,
        total: options.total,
        rate,
        eta_s: Number.isFinite(eta) ? eta : null,
        elapsed_s: elapsed,
        ...fields,
      };
      (options.jsonl ?? stream).write(`${JSON.stringify(line)}\n`);
      return;
    }
    const width = 24;
    const frac = options.total ? Math.min(1, done / options.total) : 0;
    const bar = options.total ? `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '-')}] ` : '';
    const count = options.total ? `${done}/${options.total}` : `${done}`;
    const text = `${options.label ? `${options.label} ` : ''}${bar}${count} ${rate.toFixed(2)}/s ETA ${formatDuration(eta)} ${formatFields(fields)}`;
    const cols = stream.columns ?? 120;
    stream.write(`\r${text.slice(0, cols - 1).padEnd(Math.min(cols - 1, text.length))}\x1b[K`);
  };

  return {
    tick(n = 1, f) {
      done += n;
      if (f) fields = { ...fields, ...f };
      emit(false);
    },
    update(d, f) {
      done = d;
      if (f) fields = { ...fields, ...f };
      emit(false);
    },
    finish(f) {
      if (f) fields = { ...fields, ...f };
      emit(true);
      if (mode === 'bar') stream.write('\n');
    },
  };
}
