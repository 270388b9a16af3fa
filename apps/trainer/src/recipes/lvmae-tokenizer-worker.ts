/**
 * The worker behind {@link FrozenTokenizer}: it owns the ONNX Runtime sessions of a tokenizer run and
 * answers `encode` requests on a MessagePort, raising a shared flag after each answer so the training
 * thread can wait for it synchronously (a recipe's `batch` is synchronous).
 */
import type { MessagePort } from 'node:worker_threads';
import { workerData } from 'node:worker_threads';
import { VideoTokenizer } from '@vfmkit/tokenizer/onnx';

interface Init {
  readonly encoder: string;
  readonly decoder: string;
  readonly flag: SharedArrayBuffer;
  readonly port: MessagePort;
  readonly threads?: number;
}

const init = workerData as Init;
const flag = new Int32Array(init.flag);

function answer(message: unknown): void {
  init.port.postMessage(message);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

async function main(): Promise<void> {
  let tok: VideoTokenizer;
  try {
    tok = await VideoTokenizer.load(init.encoder, init.decoder, { device: 'cpu', threads: init.threads });
  } catch (e) {
    answer({ type: 'error', message: (e as Error).message });
    return;
  }
  answer({ type: 'ready', config: tok.config, clip: tok.clip, grid: tok.grid });
  init.port.on(
    'message',
    async (m: { type: 'encode'; data: Float32Array; shape: number[] } | { type: 'close' }) => {
      if (m.type === 'close') {
        await tok.dispose();
        init.port.close();
        return;
      }
      try {
        const r = await tok.encode({
          data: m.data,
          shape: m.shape as [number, number, number, number, number],
        });
        answer({ type: 'encoded', ids: r.ids, priorities: r.priorities });
      } catch (e) {
        answer({ type: 'error', message: (e as Error).message });
      }
    },
  );
}

void main();
