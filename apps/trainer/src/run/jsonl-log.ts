import { appendFileSync, readFileSync } from 'node:fs';

/** One line of a run's `log.jsonl`. `event` says what kind: `step`, `checkpoint`, `eval`, `stop`, `end`. */
export interface LogRecord {
  readonly event: string;
  readonly step?: number;
  readonly [key: string]: unknown;
}

/**
 * An append-only JSONL log. Each record is written with a single synchronous append (one line,
 * timestamped), so a crash never leaves a half-written line behind more than the last one.
 */
export class JsonlLog {
  constructor(readonly path: string) {}

  write(record: LogRecord): void {
    appendFileSync(this.path, `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
  }

  /** Reads all records back (a torn final line, from a kill mid-write, is ignored). */
  static read(path: string): LogRecord[] {
    const out: LogRecord[] = [];
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as LogRecord);
      } catch {
        // a torn last line
      }
    }
    return out;
  }
}
