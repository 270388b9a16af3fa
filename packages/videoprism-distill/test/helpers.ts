import { tokenShuffleBatch } from '@vfmkit/masking';

export { TeacherMismatchError } from '../src/errors';
export { distillMasks } from '../src/index';

/** `[B, N]` shuffle orders from masking's `tokenShuffleBatch`. */
export function tokenShuffleOf(batch: number, n: number, seed: number): Int32Array {
  return tokenShuffleBatch(batch, n, seed).order;
}

/** Words of the synthetic captions; id = index. */
export const WORDS = [
  '[PAD]',
  'red',
  'green',
  'blue',
  'yellow',
  'square',
  'on',
  'black',
  'white',
  'purple',
  'orange',
] as const;
const COLORS: [number, number, number][] = [
  [0.9, 0.1, 0.1],
  [0.1, 0.85, 0.1],
  [0.15, 0.2, 0.95],
  [0.95, 0.9, 0.1],
];
const BACKGROUNDS: [string, [number, number, number]][] = [
  ['black', [0.05, 0.05, 0.05]],
  ['white', [0.92, 0.92, 0.92]],
  ['purple', [0.5, 0.1, 0.55]],
  ['orange', [0.95, 0.55, 0.1]],
];

/**
 * Synthetic captioned clips `[B, T, S, S, 3]`: pair i shows a square of colour `i % 4` on a background
 * of colour `floor(i / 4) % 4` (with noise), moving 2 pixels a frame from a random start; its caption is
 * "<colour> square on <background>" as ids `[B, 4]` (mask all ones). The caption is a function of the
 * clip's content; `seed` changes the noise, the start and the direction of motion.
 */
export function captionedClips(
  b: number,
  frames: number,
  size: number,
  seed: number,
): {
  clips: { data: Float32Array; shape: [number, number, number, number, number] };
  ids: Int32Array;
  mask: Float32Array;
  captions: string[];
} {
  let s = seed * 7919 + 13;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const data = new Float32Array(b * frames * size * size * 3);
  const ids = new Int32Array(b * 4);
  const captions: string[] = [];
  const side = Math.round(size * 0.35);
  const step = 2;
  const travel = step * (frames - 1);
  for (let i = 0; i < b; i++) {
    const color = i % 4;
    const [bgName, bg] = BACKGROUNDS[Math.floor(i / 4) % 4];
    const dx = rand() < 0.5 ? -1 : 1;
    const dy = rand() < 0.5 ? -1 : 1;
    const room = size - side - travel;
    const x0 = (dx < 0 ? travel : 0) + Math.floor(rand() * room);
    const y0 = (dy < 0 ? travel : 0) + Math.floor(rand() * room);
    for (let f = 0; f < frames; f++) {
      const ox = x0 + dx * step * f;
      const oy = y0 + dy * step * f;
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const o = (((i * frames + f) * size + y) * size + x) * 3;
          const inside = y >= oy && y < oy + side && x >= ox && x < ox + side;
          for (let c = 0; c < 3; c++)
            data[o + c] = inside ? COLORS[color][c] : Math.min(1, Math.max(0, bg[c] + 0.15 * (rand() - 0.5)));
        }
      }
    }
    const words = [WORDS[1 + color], 'square', 'on', bgName];
    captions.push(words.join(' '));
    for (let w = 0; w < 4; w++) ids[i * 4 + w] = WORDS.indexOf(words[w] as (typeof WORDS)[number]);
  }
  return {
    clips: { data, shape: [b, frames, size, size, 3] },
    ids,
    mask: new Float32Array(b * 4).fill(1),
    captions,
  };
}
