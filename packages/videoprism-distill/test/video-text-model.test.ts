import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError, type ClipBatch, ConfigError, Rng, ShapeError } from '@vfmkit/core';
import { initBackend, tf } from '@vfmkit/nn';
import type { NamedWeights } from '@vfmkit/vit-encoder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmptyCaptionError, TextTokenizer } from '../src/index';
import {
  buildVideoTextModel,
  VIDEO_TEXT_FILES,
  VideoTextModel,
  writeVideoTextModel,
} from '../src/onnx/index';
import { TextTransformer, VideoTower } from '../src/tfjs/index';
import { captionedClips, WORDS } from './helpers';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: null });
});

const videoConfig = {
  encoder: { width: 32, depth: 2, heads: 2, mlpDim: 64, frames: 4, imageSize: [32, 32], tubelet: [2, 8, 8] },
} as never;
const textConfig = { vocabSize: WORDS.length + 1, maxLength: 6, width: 24, depth: 2, heads: 2, embedDim: 32 };
const TOKENIZER = {
  model: {
    type: 'WordPiece',
    unk_token: '[UNK]',
    continuing_subword_prefix: '##',
    max_input_chars_per_word: 100,
    vocab: Object.fromEntries([...WORDS, '[UNK]'].map((w, i) => [w, i])),
  },
  pre_tokenizer: { type: 'WhitespaceSplit' },
};

/** Weights perturbed away from the 0.02 init, so attention and pooling are not near-uniform. */
function live(w: NamedWeights, seed: number): NamedWeights {
  const rng = new Rng(seed);
  for (const [name, v] of w)
    if (!/norm\d?\.weight$/.test(name))
      for (let i = 0; i < v.data.length; i++) v.data[i] += 0.05 * rng.normal();
  return w;
}

function maxErr(a: Float32Array | number[], b: Float32Array | number[]): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e;
}

function normRows(x: number[][]): number[][] {
  return x.map((r) => {
    const n = Math.sqrt(r.reduce((s, v) => s + v * v, 0));
    return r.map((v) => v / n);
  });
}

describe('VideoTextModel (ONNX Runtime) against the tfjs towers', () => {
  let dir: string;
  let video: VideoTower;
  let text: TextTransformer;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vp-vtm-'));
    video = VideoTower.create(videoConfig, live(VideoTower.create(videoConfig, 1).weights(), 2));
    text = TextTransformer.create(textConfig, live(TextTransformer.create(textConfig, 3).weights(), 4));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    video.dispose();
    text.dispose();
  });

  it('embedVideo, embedText and similarity match tfjs to 1e-4 through a written folder', async () => {
    const tokenizer = TextTokenizer.fromJSON(TOKENIZER);
    await writeVideoTextModel(dir, {
      video: { config: videoConfig, weights: video.weights() },
      text: { config: textConfig, weights: text.weights() },
      tokenizer,
      temperature: 0.07,
    });
    const model = await VideoTextModel.load(dir, { device: 'cpu' });
    expect(model.embedDim).toBe(32);
    expect(model.manifest.temperature).toBe(0.07);
    const data = captionedClips(4, 4, 32, 7);
    const captions = [...data.captions.slice(0, 3), 'green square', 'a purple cube'];
    const v = await model.embedVideo(data.clips as ClipBatch);
    const t = await model.embedText(captions);
    // tfjs references, normalised here.
    const vRef = normRows(video.embed(data.clips as ClipBatch).arraySync() as number[][]);
    const enc = tokenizer.encode(captions, textConfig.maxLength);
    const tRef = normRows(
      tf.tidy(
        () =>
          text
            .forward(tf.tensor2d(enc.ids, enc.shape, 'int32'), tf.tensor2d(enc.mask, enc.shape))
            .arraySync() as number[][],
      ),
    );
    const ev = maxErr(v.data, vRef.flat());
    const et = maxErr(t.data, tRef.flat());
    const sim = model.similarity(v, t);
    const simRef = vRef.flatMap((a) => tRef.map((b) => a.reduce((s, x, k) => s + x * b[k], 0)));
    const es = maxErr(sim.data, simRef);
    console.log(
      `VideoTextModel vs tfjs: video ${ev.toExponential(2)}, text ${et.toExponential(2)}, similarity ${es.toExponential(2)} (max abs)`,
    );
    expect(v.shape).toEqual([4, 32]);
    expect(t.shape).toEqual([5, 32]);
    expect(sim.shape).toEqual([4, 5]);
    expect(ev).toBeLessThan(1e-4);
    expect(et).toBeLessThan(1e-4);
    expect(es).toBeLessThan(1e-4);
    // The same batch one clip per ORT run (runTokens below a clip's tokens), joined by embedVideo.
    const sliced = await VideoTextModel.load(dir, { device: 'cpu', runTokens: 1 });
    expect(maxErr((await sliced.embedVideo(data.clips as ClipBatch)).data, vRef.flat())).toBeLessThan(1e-4);
    await sliced.dispose();
    await expect(VideoTextModel.load(dir, { device: 'cpu', runTokens: 0 })).rejects.toThrow(ConfigError);
    // Rows are unit vectors and not all alike.
    expect(Math.hypot(...v.data.subarray(0, 32))).toBeCloseTo(1, 5);
    expect(Math.abs(sim.data[0] - sim.data[1])).toBeGreaterThan(1e-3);
    await expect(
      model.embedVideo({ data: new Float32Array(2 * 4 * 16 * 16 * 3), shape: [2, 4, 16, 16, 3] }),
    ).rejects.toThrow(ShapeError);
    await expect(model.embedText(['red square', '  '])).rejects.toThrow(EmptyCaptionError);
    expect(() => model.similarity(v, { data: new Float32Array(8), shape: [1, 8] })).toThrow(ShapeError);
    await model.dispose();
  });

  it('loads the same parts from memory; a folder without a tower is a CheckpointError', async () => {
    const parts = buildVideoTextModel({
      video: { config: videoConfig, weights: video.weights() },
      text: { config: textConfig, weights: text.weights() },
      tokenizer: JSON.stringify(TOKENIZER),
      options: { text: { idsType: 'int32' } },
    });
    const model = await VideoTextModel.load(parts, { device: 'cpu' });
    const t = await model.embedText(['red square on black']);
    expect(t.shape).toEqual([1, 32]);
    await model.dispose();
    await writeVideoTextModel(dir, {
      video: { config: videoConfig, weights: video.weights() },
      text: { config: textConfig, weights: text.weights() },
      tokenizer: JSON.stringify(TOKENIZER),
    });
    unlinkSync(join(dir, VIDEO_TEXT_FILES.text));
    await expect(VideoTextModel.load(dir)).rejects.toThrow(CheckpointError);
    await expect(
      VideoTextModel.load({ ...parts, manifest: { ...parts.manifest, embedDim: 16 } }),
    ).rejects.toThrow(CheckpointError);
  });
});
