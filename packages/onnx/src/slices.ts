import { ConfigError } from '@vfmkit/core';
import { allocate, type TypedTensor } from './dtype';
import { OnnxRunError } from './errors';
import type { OnnxSession } from './session';

/**
 * Tokens per ONNX Runtime run that measured fastest for ViTs on the CPU provider (ViT-S and ViT-B,
 * 16 x 224 x 224 clips of 1568 tokens, and smaller clips batched up to about that many; BENCHMARKS.md).
 * The default of `runTokens` in `@vfmkit/vit-encoder` and `@vfmkit/videoprism-distill`.
 */
export const DEFAULT_RUN_TOKENS = 1568;

/**
 * A `runTokens` option (most tokens per run), checked; {@link DEFAULT_RUN_TOKENS} when unset.
 * @throws ConfigError below 1 (`Infinity` is allowed: whole batches).
 */
export function checkRunTokens(runTokens: number | undefined): number {
  const value = runTokens ?? DEFAULT_RUN_TOKENS;
  if (!(value >= 1))
    throw new ConfigError(`runTokens must be at least 1 (or Infinity), got ${value}`, {
      key: 'runTokens',
      value,
    });
  return value;
}

/**
 * Rows per run for {@link runInSlices}: `max(1, floor(runTokens / tokensPerRow))` on the CPU provider,
 * the whole batch on CUDA (slices only pay where caches are small).
 */
export function rowsPerRun(session: OnnxSession, runTokens: number, tokensPerRow: number): number {
  return session.provider === 'cpu'
    ? Math.max(1, Math.floor(runTokens / tokensPerRow))
    : Number.POSITIVE_INFINITY;
}

/**
 * Runs `session` on slices of at most `perRun` rows along the batch axis (axis 0) of every feed, one
 * run after another, and joins each output along its batch axis. A batch that fits is one run, with no
 * copies. On a CPU with small caches a transformer can run faster this way than on the whole batch
 * (see `@vfmkit/vit-encoder`'s `runTokens`), at the same outputs.
 * @param feeds every feed `[B, ...]` with the same B.
 * @param perRun rows per run (>= 1; `Infinity` runs the batch whole).
 * @throws OnnxRunError when the feeds disagree on B, or an output has no batch axis (its first dim is not
 *   the slice's row count).
 */
export async function runInSlices(
  session: OnnxSession,
  feeds: Readonly<Record<string, TypedTensor>>,
  perRun: number,
): Promise<Record<string, TypedTensor>> {
  const names = Object.keys(feeds);
  const B = names.length > 0 ? feeds[names[0]].dims[0] : 0;
  for (const name of names) {
    if (feeds[name].dims[0] !== B)
      throw new OnnxRunError(
        `runInSlices: input '${name}' has batch ${feeds[name].dims[0]}, '${names[0]}' has ${B}`,
        { input: name, expected: B, actual: feeds[name].dims[0] },
      );
  }
  if (!(perRun >= 1))
    throw new OnnxRunError(`runInSlices: perRun must be at least 1, got ${perRun}`, { perRun });
  const per = Math.floor(Math.min(perRun, Number.MAX_SAFE_INTEGER));
  if (per >= B) return session.run(feeds);
  // Each slice's outputs are copied into place at once: a session may reuse its output buffers.
  const joined: Record<string, TypedTensor> = {};
  for (let b0 = 0; b0 < B; b0 += per) {
    const n = Math.min(per, B - b0);
    const slice: Record<string, TypedTensor> = {};
    for (const name of names) {
      const t = feeds[name];
      const row = t.data.length / B;
      slice[name] = {
        dtype: t.dtype,
        data: t.data.subarray(b0 * row, (b0 + n) * row),
        dims: [n, ...t.dims.slice(1)],
      } as TypedTensor;
    }
    const out = await session.run(slice);
    for (const [name, t] of Object.entries(out)) {
      if (t.dims[0] !== n)
        throw new OnnxRunError(
          `runInSlices: output '${name}' [${t.dims.join(', ')}] has no batch axis of ${n} rows`,
          {
            output: name,
          },
        );
      const row = t.data.length / n;
      joined[name] ??= {
        dtype: t.dtype,
        data: allocate(t.dtype, row * B),
        dims: [B, ...t.dims.slice(1)],
      } as TypedTensor;
      (joined[name].data as Float32Array).set(t.data as Float32Array, b0 * row);
    }
  }
  return joined;
}
