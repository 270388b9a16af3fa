import { appendFileSync, readFileSync } from 'node:fs';
import { VfmError } from '@vfmkit/core';

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

  /**
   * Reads all records back. A torn final line (a kill mid-append) is dropped; a bad line anywhere
   * else means the file is not a log this class wrote, and throws {@link LogFormatError}.
   */
  static read(path: string): LogRecord[] {
    const lines = readFileSync(path, 'utf8').split('\n');
    const last = lines.findLastIndex((l) => l.trim() !== '');
    const out: LogRecord[] = [];
    for (const [i, line] of lines.entries()) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as LogRecord);
      } catch {
        if (i === last) break;
        throw new LogFormatError(`${path}:${i + 1} is not a JSON record: ${line.slice(0, 80)}`, {
          path,
          line: i + 1,
        });
      }
    }
    return out;
  }
}

/** A run log holds a line that is not JSON (other than a torn last line). */
export class LogFormatError extends VfmError {
  constructor(message: string, details: Record<string, unknown>) {
    super('LOG_FORMAT', message, details);
  }
}
