import { parentPort } from 'node:worker_threads';
import { renderSample } from './sample';

/** Worker-thread entry of the render pool: renders `{ id, config, seed }` and posts the sample back. */
if (parentPort) {
  const port = parentPort;
  port.on('message', (msg: { id: number; config: Parameters<typeof renderSample>[0]; seed: number }) => {
    try {
      const sample = renderSample(msg.config, msg.seed);
      const views: ArrayBufferView[] = [sample.rgb, sample.depth, sample.segmentation, sample.extrinsics];
      if (sample.flow) views.push(sample.flow);
      port.postMessage(
        { id: msg.id, sample },
        views.map((v) => v.buffer as ArrayBuffer),
      );
    } catch (error) {
      const e = error as Error & { code?: string; details?: unknown };
      port.postMessage({
        id: msg.id,
        error: { name: e.name, message: e.message, code: e.code, details: e.details },
      });
    }
  });
}
