/**
 * Turns SIGINT/SIGTERM into a flag the training loop polls between steps, so it can save a
 * checkpoint and exit cleanly instead of dying mid-step. A second signal exits at once.
 */
export class StopSignal {
  private requested: NodeJS.Signals | null = null;
  private readonly handler = (signal: NodeJS.Signals) => {
    if (this.requested) process.exit(130);
    this.requested = signal;
    process.stderr.write(
      `\nreceived ${signal}: finishing the current step, saving a checkpoint, then exiting (send again to exit now)\n`,
    );
  };

  constructor(private readonly signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']) {
    for (const s of signals) process.on(s, this.handler);
  }

  /** The signal received, or null. */
  get reason(): NodeJS.Signals | null {
    return this.requested;
  }

  dispose(): void {
    for (const s of this.signals) process.off(s, this.handler);
  }
}
