/** Test fixture: a `vfm-train tokenizer` run folder (ONNX graphs) of a randomly initialised tokenizer. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend, paramsToTensors } from '@vfmkit/nn';
import type { TokenizerConfigInput } from '@vfmkit/tokenizer';
import { exportTokenizerOnnx } from '@vfmkit/tokenizer/onnx';
import { serializeTokenizer, TokenizerModel } from '@vfmkit/tokenizer/tfjs';

/**
 * Writes `tokenizer-encoder.onnx` and `tokenizer-decoder.onnx` of a tiny tokenizer on `frames x size x
 * size` clips (downsample 2 x 8 x 8: the grid of a `nano/8` ViT with 2-frame tubelets) into `dir`, and
 * with `files.checkpoint` its `tokenizer.safetensors`.
 */
export async function writeTokenizerRun(
  dir: string,
  frames: number,
  size: number,
  extra: Partial<TokenizerConfigInput> = {},
  files: { onnx?: boolean; checkpoint?: boolean } = {},
): Promise<string> {
  await initBackend();
  mkdirSync(dir, { recursive: true });
  const model = new TokenizerModel(
    {
      frames,
      imageSize: [size, size],
      downsample: [2, 8, 8],
      baseWidth: 4,
      resBlocks: 0,
      quantizer: { kind: 'fsq', levels: [8, 5, 5, 5] },
      ...extra,
    } as TokenizerConfigInput,
    3,
  );
  if (files.onnx ?? true) {
    const { encoder, decoder } = exportTokenizerOnnx(model.config, await paramsToTensors(model.params));
    writeFileSync(join(dir, 'tokenizer-encoder.onnx'), encoder);
    writeFileSync(join(dir, 'tokenizer-decoder.onnx'), decoder);
  }
  if (files.checkpoint) writeFileSync(join(dir, 'tokenizer.safetensors'), await serializeTokenizer(model));
  model.dispose();
  return dir;
}
