/**
 * The README's main job, step 1 of 2: pretrain a nano MAE on synth4d scenes rendered on the fly
 * (configs/demo.ts). Prints and returns the run folder, which `vfm-eval` reads directly.
 */
import { fileURLToPath } from 'node:url';
import demo from '../configs/demo';
import { resolveConfig } from './config/load-config';
import { train } from './train/train';

export async function runDemo(overrides: readonly string[] = []): Promise<{ out: string }> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = fileURLToPath(new URL('../configs/demo.ts', import.meta.url));
  const config = await resolveConfig('mae', {
    file,
    overrides: [`--out=${demo.out}-${stamp}`, ...overrides],
  });
  console.log(
    `vfm-train demo: ${config.steps} steps of a ${config.model.variant} MAE on synth4d/${'task' in config.data ? config.data.task : ''} ` +
      `${config.frames}x${config.size}x${config.size}, batch ${config.batchSize}, ${config.workers} worker(s)`,
  );
  const result = await train(config);
  const last = result.losses.at(-1);
  console.log(
    `trained ${result.steps} steps; loss ${result.losses[0]?.loss.toFixed(3)} -> ${last?.loss.toFixed(3)}`,
  );
  console.log(`run folder: ${result.out} (loss.png, reconstruction.png, encoder.safetensors, encoder.onnx)`);
  return { out: result.out };
}
