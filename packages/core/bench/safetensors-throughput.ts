/**
 * Safetensors write/read throughput for a ~500 MB checkpoint against `cp` of the same file (the
 * machine's practical copy speed), same machine, same run. Files live in the OS temp dir; the page
 * cache is warm for every contender alike.
 *
 *   npm run bench -w @vfmkit/core            (VFM_BENCH_MB=500 by default)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  describeMachine,
  markdownTable,
  medianMs,
  readSafetensors,
  type Tensor,
  writeSafetensors,
} from '../src/index';

const megabytes = Number(process.env.VFM_BENCH_MB ?? 500);
const dir = mkdtempSync(join(tmpdir(), 'vfm-bench-st-'));
try {
  // A checkpoint-like layout: 20 tensors of equal size.
  const perTensor = Math.floor((megabytes * 2 ** 20) / 4 / 20);
  const tensors: Record<string, Tensor> = {};
  for (let i = 0; i < 20; i++) {
    const data = new Float32Array(perTensor);
    for (let j = 0; j < data.length; j += 1024) data[j] = i + j;
    tensors[`blocks.${i}.mlp.fc1.weight`] = { dtype: 'F32', shape: [perTensor], data };
  }
  const file = join(dir, 'ckpt.safetensors');
  const copy = join(dir, 'copy.safetensors');
  const writeMs = await medianMs(() => writeSafetensors(file, tensors));
  const readMs = await medianMs(async () => {
    const f = await readSafetensors(file);
    if (f.tensors.size !== 20) throw new Error('bad read');
  });
  const cpMs = await medianMs(() => {
    execFileSync('cp', [file, copy]);
    execFileSync('sync', [copy]);
  });
  const mb = (perTensor * 4 * 20) / 2 ** 20;
  const rate = (ms: number) => `${((mb / ms) * 1000).toFixed(0)} MB/s`;
  console.log(
    `Safetensors throughput, ${mb.toFixed(0)} MB checkpoint (20 F32 tensors); ${describeMachine()}\n`,
  );
  console.log(
    markdownTable(
      ['operation', 'vfmkit', 'peer: cp + sync', 'vfmkit time / cp time'],
      [
        [
          'write (atomic, fsync)',
          `${writeMs.toFixed(0)} ms (${rate(writeMs)})`,
          `${cpMs.toFixed(0)} ms (${rate(cpMs)})`,
          (writeMs / cpMs).toFixed(2),
        ],
        [
          'read + validate',
          `${readMs.toFixed(0)} ms (${rate(readMs)})`,
          `${cpMs.toFixed(0)} ms (${rate(cpMs)})`,
          (readMs / cpMs).toFixed(2),
        ],
      ],
    ),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
