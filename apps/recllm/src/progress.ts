/** A one-line progress bar on a TTY stream (nothing when the stream is not a TTY or `enabled` is false). */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr, enabled = true) {
  const on = enabled && stream.isTTY;
  let last = -1;
  return {
    update(done: number, total: number): void {
      if (!on || done === last) return;
      last = done;
      const width = 30;
      const fill = total ? Math.round((done / total) * width) : width;
      stream.write(`\r${label} [${'#'.repeat(fill)}${' '.repeat(width - fill)}] ${done}/${total}`);
    },
    end(): void {
      if (on) stream.write('\n');
    },
  };
}
