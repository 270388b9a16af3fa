import { readFileSync } from 'node:fs';

let cached: boolean | undefined;

/**
 * Whether this machine's CPU has int8 dot-product instructions (x86 AVX512-VNNI or AVX-VNNI, read from
 * `/proc/cpuinfo`; false where that file is missing). With them ONNX Runtime's u8 x s8 kernels accumulate
 * in int32 and full-range int8 weights are safe; without them pair sums saturate int16 and weights must
 * keep 7 bits (`reduceRange`).
 */
export function cpuHasVnni(): boolean {
  if (cached === undefined) {
    try {
      cached = /\b(avx512_vnni|avx_vnni)\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
    } catch {
      cached = false;
    }
  }
  return cached;
}
