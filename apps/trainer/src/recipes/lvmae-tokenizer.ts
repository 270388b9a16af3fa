/**
 * LVMAE's frozen tokenizer, callable synchronously from a recipe's `batch`: the ONNX graphs of a
 * `vfm-train tokenizer` run run on ONNX Runtime in a worker thread. With a clip size and the run's
 * `tokenizer.safetensors`, the graphs are exported from the checkpoint at that clip size (the tokenizer
 * is fully convolutional: one trained on 16-frame clips tokenizes 64- or 128-frame clips); otherwise the
 * run's exported `tokenizer-encoder.onnx` / `tokenizer-decoder.onnx` (fixed to its training clip) are used; the training thread posts clips and blocks on a shared flag (`Atomics.wait`) until the
 * ids and priorities come back (`receiveMessageOnPort`). Results are cached in memory per clip content,
 * so a finite dataset (`data.size > 0`, no augmentation) is tokenized once per clip.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import {
  CheckpointError,
  type Clip,
  ConfigError,
  parseSafetensors,
  type TokenGrid,
  VfmError,
} from '@vfmkit/core';
import { parseTokenizerConfig, type TokenizerConfig } from '@vfmkit/tokenizer';
import { exportTokenizerOnnx } from '@vfmkit/tokenizer/onnx';
import { TOKENIZER_CONFIG_KEY } from '@vfmkit/tokenizer/tfjs';

/** The tokenizer worker failed to start or to encode. Code `LVMAE_TOKENIZER`. */
export class TokenizerWorkerError extends VfmError {
  constructor(message: string, details: { folder: string; [k: string]: unknown }) {
    super('LVMAE_TOKENIZER', message, details);
  }
}

/** Ids and priorities of one clip, `[N]` each (t-major, the tokenizer's latent grid). */
export interface ClipTokens {
  readonly ids: Int32Array;
  readonly priorities: Float32Array;
}

/**
 * Clips whose tokens stay cached (oldest dropped first): ~8 bytes per token, so 65,536 clips of 512
 * tokens hold 256 MiB. A finite dataset (`data.size`) smaller than this is tokenized once.
 */
export const MAX_CACHED_CLIPS = 65_536;

/** Wait per request before giving up (a stuck worker must not hang training forever). */
const TIMEOUT_MS = 600_000;

function workerEntry(): { url: URL; isTs: boolean } {
  const isTs = import.meta.url.endsWith('.ts');
  return {
    url: new URL(isTs ? './lvmae-tokenizer-worker.ts' : './lvmae-tokenizer-worker.js', import.meta.url),
    isTs,
  };
}

/** Starts the worker; from source it registers tsx first (`--import tsx` is ignored by Node 20 workers). */
function spawn(workerData: Record<string, unknown>, transfer: MessagePort[]): Worker {
  const { url, isTs } = workerEntry();
  if (!isTs) return new Worker(url, { workerData, transferList: transfer });
  const req = createRequire(fileURLToPath(import.meta.url));
  const api = pathToFileURL(join(dirname(req.resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(code, {
    eval: true,
    workerData,
    transferList: transfer,
    execArgv: ['--conditions=@vfmkit/source'],
  });
}

function clipKey(clip: Clip): string {
  const h = createHash('sha1');
  h.update(new Uint8Array(clip.data.buffer, clip.data.byteOffset, clip.data.byteLength));
  h.update(clip.shape.join('x'));
  return h.digest('hex');
}

/** A frozen tokenizer from a `vfm-train tokenizer` run folder; see the module doc. */
export class FrozenTokenizer {
  private readonly cache = new Map<string, ClipTokens>();
  private closed = false;
  /** Tokenizer runs (ONNX Runtime calls) so far; cache hits do not count. */
  encodeCalls = 0;

  private constructor(
    readonly folder: string,
    private readonly worker: Worker,
    private readonly port: MessagePort,
    private readonly flag: Int32Array,
    /** The tokenizer's config (from the graphs' metadata). */
    readonly config: TokenizerConfig,
    /** `[T, H, W]` the graphs accept. */
    readonly clip: readonly [number, number, number],
    /** The latent grid. */
    readonly grid: TokenGrid,
    /** The ONNX graphs the worker runs (paths or bytes), e.g. to decode ids in this thread. */
    readonly graphs: { readonly encoder: string | Uint8Array; readonly decoder: string | Uint8Array },
  ) {}

  /**
   * Opens the tokenizer of a run folder (blocks until ONNX Runtime has loaded both graphs).
   * @param clip `[T, H, W]` to tokenize: the graphs are exported from `tokenizer.safetensors` at this
   *   size when the folder has it; without it (or without `clip`) the folder's ONNX graphs are used.
   * @throws ConfigError (key `lvmae.tokenizer`) when the folder has neither; CheckpointError for a
   *   checkpoint that is not a tokenizer's; TokenizerWorkerError when the worker cannot load the graphs.
   */
  static open(folder: string, clip?: readonly [number, number, number]): FrozenTokenizer {
    const dir = resolve(folder);
    const ckpt = join(dir, 'tokenizer.safetensors');
    let encoder: string | Uint8Array = join(dir, 'tokenizer-encoder.onnx');
    let decoder: string | Uint8Array = join(dir, 'tokenizer-decoder.onnx');
    if (clip && existsSync(ckpt)) {
      const file = parseSafetensors(readFileSync(ckpt), ckpt);
      const raw = file.metadata[TOKENIZER_CONFIG_KEY];
      if (!raw)
        throw new CheckpointError(`${ckpt} is not a tokenizer checkpoint (no "${TOKENIZER_CONFIG_KEY}")`, {
          path: ckpt,
        });
      ({ encoder, decoder } = exportTokenizerOnnx(parseTokenizerConfig(JSON.parse(raw)), file.tensors, clip));
    } else {
      for (const f of [encoder, decoder] as string[]) {
        if (!existsSync(f))
          throw new ConfigError(
            `lvmae.tokenizer: ${f} does not exist; point it at a \`vfm-train tokenizer\` run folder (tokenizer.safetensors, or its ONNX export)`,
            { key: 'lvmae.tokenizer', value: folder },
          );
      }
    }
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    const worker = spawn({ encoder, decoder, flag: flag.buffer, port: port2, threads: 1 }, [port2]);
    worker.unref();
    const ready = FrozenTokenizer.wait(dir, flag, port1) as {
      config: TokenizerConfig;
      clip: [number, number, number];
      grid: TokenGrid;
    };
    return new FrozenTokenizer(dir, worker, port1, flag, ready.config, ready.clip, ready.grid, {
      encoder,
      decoder,
    });
  }

  private static wait(folder: string, flag: Int32Array, port: MessagePort): Record<string, unknown> {
    const r = Atomics.wait(flag, 0, 0, TIMEOUT_MS);
    Atomics.store(flag, 0, 0);
    if (r === 'timed-out')
      throw new TokenizerWorkerError(`the tokenizer worker did not answer in ${TIMEOUT_MS} ms`, { folder });
    const msg = receiveMessageOnPort(port)?.message as Record<string, unknown> | undefined;
    if (!msg)
      throw new TokenizerWorkerError('the tokenizer worker raised its flag without an answer', { folder });
    if (msg.type === 'error')
      throw new TokenizerWorkerError(`tokenizer worker: ${String(msg.message)}`, { folder });
    return msg;
  }

  /** Tokens per clip. */
  get tokens(): number {
    return this.grid.t * this.grid.h * this.grid.w;
  }

  /**
   * Ids and priorities of each clip (`[T, H, W, 3]` in [0, 1], `[T, H, W]` = {@link clip}), from the
   * cache or one ONNX Runtime call for the clips not seen yet.
   */
  encode(clips: readonly Clip[]): ClipTokens[] {
    if (this.closed) throw new TokenizerWorkerError('the tokenizer is closed', { folder: this.folder });
    const keys = clips.map(clipKey);
    const missing: number[] = [];
    keys.forEach((k, i) => {
      if (!this.cache.has(k) && !missing.some((j) => keys[j] === k)) missing.push(i);
    });
    if (missing.length) {
      const [t, h, w, c] = clips[missing[0]].shape;
      const per = t * h * w * c;
      const data = new Float32Array(missing.length * per);
      missing.forEach((i, j) => {
        data.set(clips[i].data, j * per);
      });
      this.port.postMessage({ type: 'encode', data, shape: [missing.length, t, h, w, c] });
      const out = FrozenTokenizer.wait(this.folder, this.flag, this.port) as {
        ids: Int32Array;
        priorities: Float32Array;
      };
      this.encodeCalls++;
      const n = this.tokens;
      const result = new Map<string, ClipTokens>();
      missing.forEach((i, j) => {
        result.set(keys[i], {
          ids: out.ids.slice(j * n, (j + 1) * n),
          priorities: out.priorities.slice(j * n, (j + 1) * n),
        });
      });
      const hits = keys.map((k) => this.cache.get(k) ?? (result.get(k) as ClipTokens));
      for (const [k, v] of result) {
        if (this.cache.size >= MAX_CACHED_CLIPS) this.cache.delete(this.cache.keys().next().value as string);
        this.cache.set(k, v);
      }
      return hits;
    }
    return keys.map((k) => this.cache.get(k) as ClipTokens);
  }

  /** Stops the worker. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.port.postMessage({ type: 'close' });
    void this.worker.terminate();
  }
}
