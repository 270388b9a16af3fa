/**
 * The README's main job, step 1 of 2: pretrain a nano MAE on synth4d scenes rendered on the fly
 * (configs/demo.ts), export its encoder, and export a randomly initialised encoder of the same size as
 * the baseline the evaluator compares against. Prints the run folder.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VfmError } from '@vfmkit/core';
import { writeVitOnnx } from '@vfmkit/vit-encoder/onnx';
import { VitModel } from '@vfmkit/vit-encoder/tfjs';
import demo from '../configs/demo';
import { resolveConfig } from './config/load-config';
import { encoderConfigOf } from './train/model-spec';
import { train } from './train/train';

/** File name of the random-init baseline encoder written beside `encoder.onnx`. */
export const RANDOM_INIT_ONNX = 'encoder-random-init.onnx';

export async function runDemo(
  overrides: readonly string[] = [],
): Promise<{ out: string; pretrained: string; random: string }> {
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
  const random = VitModel.create(encoderConfigOf(config), config.seed + 1000);
  const randomPath = join(result.out, RANDOM_INIT_ONNX);
  await writeVitOnnx(randomPath, encoderConfigOf(config), await random.weights(), { attention: 'matmul' });
  random.dispose();
  console.log(`run folder: ${result.out} (loss.png, reconstruction.png, encoder.onnx, ${RANDOM_INIT_ONNX})`);
  return { out: result.out, pretrained: result.onnx ?? join(result.out, 'encoder.onnx'), random: randomPath };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runDemo(process.argv.slice(2)).catch((error: unknown) => {
    if (error instanceof VfmError) console.error(`demo: ${error.name} (${error.code}): ${error.message}`);
    else console.error(error);
    process.exit(1);
  });
}
