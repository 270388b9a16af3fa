/**
 * The toy data of the examples: captioned clips `[B, 4, 32, 32, 3]` (a coloured square drifting on a
 * coloured background, captioned "<colour> square on <background>", 16 kinds), the nano ViT they fit, and
 * a WordPiece tokenizer of their words.
 */
import { TextTokenizer } from '@vfmkit/videoprism-distill';

// Toy captioned clips [B, 4, 32, 32, 3]: a coloured square on a coloured background, captioned by both.
export const COLORS = {
  red: [0.9, 0.1, 0.1],
  green: [0.1, 0.85, 0.1],
  blue: [0.15, 0.2, 0.95],
  yellow: [0.95, 0.9, 0.1],
};
export const BACKS = {
  black: [0.05, 0.05, 0.05],
  white: [0.92, 0.92, 0.92],
  purple: [0.5, 0.1, 0.55],
  orange: [0.95, 0.55, 0.1],
};
export function toyClips(b: number, seed: number) {
  let s = seed + 1;
  const rand = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const data = new Float32Array(b * 4 * 32 * 32 * 3);
  const captions: string[] = [];
  const colors = Object.entries(COLORS);
  const backs = Object.entries(BACKS);
  for (let i = 0; i < b; i++) {
    const [cName, c] = colors[i % 4];
    const [bName, bg] = backs[Math.floor(i / 4) % 4];
    const x0 = Math.floor(rand() * 18);
    const y0 = Math.floor(rand() * 18);
    for (let f = 0; f < 4; f++)
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++) {
          const inside = y >= y0 && y < y0 + 11 && x >= x0 + f && x < x0 + f + 11;
          for (let k = 0; k < 3; k++)
            data[(((i * 4 + f) * 32 + y) * 32 + x) * 3 + k] = inside ? c[k] : bg[k] + 0.1 * (rand() - 0.5);
        }
    captions.push(`${cName} square on ${bName}`);
  }
  return { clips: { data, shape: [b, 4, 32, 32, 3] as [number, number, number, number, number] }, captions };
}

export const grid = { t: 2, h: 4, w: 4 }; // 4 x 32 x 32 clips in 2 x 8 x 8 tubelets
export const encoder = {
  width: 32,
  depth: 2,
  heads: 2,
  mlpDim: 64,
  frames: 4,
  imageSize: [32, 32],
  tubelet: [2, 8, 8],
} as never;
const words = [
  '[PAD]',
  '[UNK]',
  ...Object.keys(COLORS),
  'square',
  'on',
  ...Object.keys(BACKS),
  'a',
  'video',
  'of',
];
export const tokenizer = TextTokenizer.fromJSON({
  model: {
    type: 'WordPiece',
    unk_token: '[UNK]',
    continuing_subword_prefix: '##',
    max_input_chars_per_word: 100,
    vocab: Object.fromEntries(words.map((w, i) => [w, i])),
  },
  pre_tokenizer: { type: 'WhitespaceSplit' },
});
