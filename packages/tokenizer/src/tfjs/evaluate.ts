import { type Clip, ShapeError } from '@vfmkit/core';
import type { Batch } from '@vfmkit/nn';
import { tf } from '@vfmkit/nn';
import { type CodebookStats, codebookStats } from '../codebook-stats';
import { codebookSize, type TokenizerConfig, type TokenizerConfigInput } from '../config';
import { TokenizerModel } from './tokenizer-model';
import { stackClips } from './train';

/** The JSON-serialisable data a training recipe needs to build the model (also in data-parallel workers). */
export interface TokenizerModelSpec {
  readonly config: TokenizerConfigInput | TokenizerConfig;
  readonly seed: number;
}

/** Builds the model of a spec (a recipe's `buildModel(spec)`). */
export async function buildTokenizerModel(spec: TokenizerModelSpec): Promise<TokenizerModel> {
  return new TokenizerModel(spec.config, spec.seed);
}

/**
 * One training batch `{ clips: [B, T, H, W, C] }` for {@link TokenizerModel.loss} (and `@vfmkit/nn`'s
 * `trainStep` / `DataParallel`).
 * @throws ShapeError when the clips differ in shape.
 */
export function tokenizerBatch(clips: readonly Clip[]): Batch {
  if (clips.length === 0)
    throw new ShapeError('a batch needs at least one clip', { name: 'clips', expected: ['B'], actual: [0] });
  const x = stackClips(clips);
  const data = x.dataSync() as Float32Array;
  const shape = [...x.shape];
  x.dispose();
  return { clips: { data, shape } };
}

/** Reconstruction quality and codebook use on a set of clips. */
export interface TokenizerEvaluation {
  /** Mean squared error of the full-set reconstruction (clamped to [0, 1]). */
  readonly mseFull: number;
  /** Mean squared error at the budget (the scorer's hard top-k). */
  readonly mseBudget: number;
  /** `-10 log10(mse)` of each (signals in [0, 1]). */
  readonly psnrFull: number;
  readonly psnrBudget: number;
  /** Usage and perplexity of the token ids. */
  readonly codebook: CodebookStats;
}

/**
 * Evaluates reconstructions at the full token set and at the config's budget, plus codebook statistics.
 * @param clips clips `[T, H, W, C]` in [0, 1], evaluated in batches of `batchSize` (default 8)
 */
export function evaluateTokenizer(
  model: TokenizerModel,
  clips: readonly Clip[],
  batchSize = 8,
): TokenizerEvaluation {
  let seFull = 0;
  let seBudget = 0;
  let count = 0;
  const ids: number[] = [];
  for (let i = 0; i < clips.length; i += batchSize) {
    const x = stackClips(clips.slice(i, i + batchSize));
    const r = model.reconstruct(x);
    const se = (y: tf.Tensor) =>
      tf.tidy(() => tf.sum(tf.square(tf.sub(tf.clipByValue(y, 0, 1), x))).dataSync()[0]);
    seFull += se(r.full);
    seBudget += se(r.budget);
    count += x.size;
    for (const v of r.ids.dataSync()) ids.push(v);
    tf.dispose([x, r.full, r.budget, r.priorities, r.ids, r.mask]);
  }
  const mseFull = seFull / count;
  const mseBudget = seBudget / count;
  return {
    mseFull,
    mseBudget,
    psnrFull: -10 * Math.log10(mseFull),
    psnrBudget: -10 * Math.log10(mseBudget),
    codebook: codebookStats(ids, codebookSize(model.config)),
  };
}
