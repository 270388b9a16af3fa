import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `chunks` to `path` atomically: into a temporary file beside it, fsync, then rename over
 * `path`. A crash or kill at any moment leaves either the old file or the new one, never a torn one.
 */
export async function writeFileAtomic(
  path: string,
  chunks: Iterable<ArrayBufferView> | AsyncIterable<ArrayBufferView>,
): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'w');
  try {
    for await (const chunk of chunks) {
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      let written = 0;
      while (written < bytes.byteLength) {
        const { bytesWritten } = await handle.write(
          bytes,
          written,
          Math.min(bytes.byteLength - written, 1 << 30),
        );
        written += bytesWritten;
      }
    }
    await handle.sync();
    await handle.close();
    await rename(temp, path);
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
}
