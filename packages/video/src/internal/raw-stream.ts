import { VideoDecodeError } from '../errors';
import { lastLines, spawnFfmpeg } from './child';

/**
 * Runs ffmpeg with raw RGB output on stdout and yields its stdout chunks as they arrive. At the end,
 * checks the exit status and that a whole number of `frameBytes` frames came out.
 * The child is killed and reaped when the consumer stops early, throws, or `signal` aborts.
 */
export async function* rawChunks(
  bin: string,
  args: readonly string[],
  frameBytes: number,
  path: string,
  signal?: AbortSignal,
): AsyncGenerator<Buffer> {
  if (signal?.aborted) throw new VideoDecodeError(`${path}: decode aborted`, { path, reason: 'aborted' });
  const proc = spawnFfmpeg(bin, args, 'ignore');
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    void proc.kill();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let total = 0;
    const stdout = proc.child.stdout;
    if (stdout) {
      for await (const chunk of stdout as AsyncIterable<Buffer>) {
        total += chunk.length;
        yield chunk;
      }
    }
    const res = await proc.closed;
    if (aborted) throw new VideoDecodeError(`${path}: decode aborted`, { path, reason: 'aborted' });
    if (res.spawnError)
      throw new VideoDecodeError(
        `${path}: could not start ffmpeg`,
        { path, reason: 'no-ffmpeg' },
        { cause: res.spawnError },
      );
    const log = proc.stderr();
    if (res.code !== 0) {
      const reason = /Invalid data found|moov atom not found/.test(log) ? 'invalid-data' : 'ffmpeg-failed';
      throw new VideoDecodeError(
        `${path}: ffmpeg exited with ${res.code ?? res.signal}: ${lastLines(log, 2)}`,
        {
          path,
          reason,
          stderr: lastLines(log),
        },
      );
    }
    if (total % frameBytes !== 0) {
      throw new VideoDecodeError(
        `${path}: stream ended inside a frame (${total % frameBytes} of ${frameBytes} bytes)`,
        {
          path,
          reason: 'short-read',
          stderr: lastLines(log),
        },
      );
    }
  } catch (e) {
    if (aborted && !(e instanceof VideoDecodeError && e.details.reason === 'aborted'))
      throw new VideoDecodeError(`${path}: decode aborted`, { path, reason: 'aborted' }, { cause: e });
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await proc.kill();
  }
}

/** {@link rawChunks} cut into one fresh `frameBytes`-sized buffer per frame. */
export async function* rawFrames(
  bin: string,
  args: readonly string[],
  frameBytes: number,
  path: string,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  let frame = new Uint8Array(frameBytes);
  let filled = 0;
  for await (const chunk of rawChunks(bin, args, frameBytes, path, signal)) {
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(frameBytes - filled, chunk.length - off);
      frame.set(chunk.subarray(off, off + n), filled);
      filled += n;
      off += n;
      if (filled === frameBytes) {
        yield frame;
        frame = new Uint8Array(frameBytes);
        filled = 0;
      }
    }
  }
}
