/**
 * The model module of the `tokenizer` recipe, imported by every data-parallel worker by path (see
 * `DataParallel` in @vfmkit/nn): @vfmkit/tokenizer's `buildTokenizerModel(spec)`.
 */
import { initBackend } from '@vfmkit/nn';
import { buildTokenizerModel, type TokenizerModel, type TokenizerModelSpec } from '@vfmkit/tokenizer/tfjs';

export async function buildModel(spec: TokenizerModelSpec): Promise<TokenizerModel> {
  await initBackend();
  return buildTokenizerModel(spec);
}
