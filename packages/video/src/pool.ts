import { ConfigError } from '@vfmkit/core';

/**
 * A bounded pool: at most `concurrency` tasks run at once (e.g. ffmpeg decodes); the rest wait in FIFO
 * order. A waiting task whose `signal` aborts leaves the queue and rejects with the signal's reason.
 */
export class DecodePool {
  readonly concurrency: number;
  private running = 0;
  private readonly queue: { start: () => void; signal?: AbortSignal; cancel: () => void }[] = [];

  constructor(concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new ConfigError(`concurrency must be an integer >= 1, got ${concurrency}`, {
        key: 'concurrency',
        value: concurrency,
      });
    this.concurrency = concurrency;
  }

  /** Tasks running now. */
  get active(): number {
    return this.running;
  }

  /** Tasks waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Runs `task` when a slot is free; resolves or rejects with it. */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.running++;
        let p: Promise<T>;
        try {
          p = task();
        } catch (e) {
          p = Promise.reject(e);
        }
        p.then(resolve, reject).finally(() => {
          this.running--;
          this.next();
        });
      };
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      if (this.running < this.concurrency) {
        start();
        return;
      }
      const item = {
        start: () => {
          signal?.removeEventListener('abort', item.cancel);
          start();
        },
        signal,
        cancel: () => {
          const i = this.queue.indexOf(item);
          if (i >= 0) this.queue.splice(i, 1);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener('abort', item.cancel, { once: true });
      this.queue.push(item);
    });
  }

  private next(): void {
    if (this.running < this.concurrency) this.queue.shift()?.start();
  }
}
