import { type Clip, ConfigError, Rng } from '@vfmkit/core';
import { caption, generateScene, renderScene, type Scene, type SceneConfigInput } from '@vfmkit/synth4d';
import { ItemValidationError } from './errors';
import { type Item, parseItem } from './item';

/** The synth4d scene config the corpus draws from (small clips; the app renders some of them). */
export const SYNTHETIC_SCENE_CONFIG: SceneConfigInput = {
  width: 64,
  height: 64,
  frames: 16,
  minObjects: 1,
  maxObjects: 3,
  queries: 0,
};

/** Options of {@link generateCorpus}. */
export interface SyntheticCorpusOptions {
  /** Number of items (default 10,000). */
  count?: number;
  /** Seed: the same seed gives the same corpus on every platform (default 0). */
  seed?: number;
  /** Number of channels (default 150). */
  channels?: number;
  /** Prefix of item ids (default `syn`): ids are `${prefix}-${index}`. */
  idPrefix?: string;
}

const CHANNEL_A = [
  'Pixel',
  'Orbit',
  'Prism',
  'Velvet',
  'Copper',
  'Lunar',
  'Quiet',
  'Vector',
  'Marble',
  'Neon',
  'Tidal',
  'Amber',
  'Granite',
  'Cobalt',
  'Willow',
  'Echo',
  'Static',
  'Polar',
  'Saffron',
  'Cinder',
];
const CHANNEL_B = [
  'Lab',
  'Studio',
  'Works',
  'Motion',
  'Loops',
  'Channel',
  'Garage',
  'Academy',
  'Films',
  'Bench',
];
/** Channel genres: each channel has one; it becomes a tag of its items and colours their titles. */
const GENRES = [
  { tag: 'tutorial', title: 'How it moves:', blurb: 'A short lesson on motion and geometry.' },
  { tag: 'ambient', title: 'Calm loop:', blurb: 'Relaxing ambient visuals to leave running.' },
  { tag: 'physics', title: 'Physics demo:', blurb: 'A physics demonstration of simple rigid bodies.' },
  { tag: 'asmr', title: 'Satisfying:', blurb: 'Oddly satisfying shapes for a quiet moment.' },
  { tag: 'kids', title: 'Shapes for kids:', blurb: 'Colours and shapes for young viewers.' },
  { tag: 'art', title: 'Study in motion:', blurb: 'A minimalist art piece about form and colour.' },
  { tag: 'benchmark', title: 'Test clip:', blurb: 'A reference clip for testing video models.' },
] as const;
const VERB_ING: Record<string, string> = {
  static: 'standing still',
  linear: 'sliding',
  circular: 'circling',
  bounce: 'bouncing',
  spin: 'spinning',
  fall: 'falling',
};
const CAMERA_TAG: Record<string, string> = {
  static: 'still-camera',
  pan: 'camera-pan',
  orbit: 'camera-orbit',
  dolly: 'camera-dolly',
  shake: 'camera-shake',
};
const TEXTURE_ADJ: Record<string, string> = { checker: 'checkered', stripes: 'striped', noise: 'mottled' };

/** One channel of the synthetic corpus. */
export interface SyntheticChannel {
  readonly name: string;
  readonly genre: string;
}

/** The channels {@link generateCorpus} assigns, in order (deterministic from the seed). */
export function syntheticChannels(count: number, seed: number): SyntheticChannel[] {
  const rng = new Rng(seed ^ 0x5eed);
  const names = new Set<string>();
  const out: SyntheticChannel[] = [];
  const maxNames = CHANNEL_A.length * CHANNEL_B.length;
  if (!Number.isInteger(count) || count < 1 || count > maxNames)
    throw new ConfigError(`channels must be an integer in [1, ${maxNames}], got ${count}`, {
      key: 'channels',
      value: count,
    });
  while (out.length < count) {
    const name = `${CHANNEL_A[rng.int(CHANNEL_A.length)]} ${CHANNEL_B[rng.int(CHANNEL_B.length)]}`;
    if (names.has(name)) continue;
    names.add(name);
    out.push({ name, genre: GENRES[rng.int(GENRES.length)].tag });
  }
  return out;
}

/**
 * A synthetic video corpus of `count` items. Each item is a synth4d scene (1-3 objects, its motions
 * and camera program, drawn by `generateScene` from the item's scene seed, stored in
 * `media.sceneSeed` so the clip can be rendered later): the description is synth4d's caption plus the
 * channel's blurb, the title names the main object and its motion, tags are the colours, shapes,
 * textures, motions and camera motion in the scene plus the channel genre and a length bucket, the
 * channel is drawn from a Zipf-like distribution (some channels are big), and durations are
 * log-uniform in [5 s, 30 min]. No model is involved: the metadata is ground truth of the scene.
 */
export function generateCorpus(options: SyntheticCorpusOptions = {}): Item[] {
  const count = options.count ?? 10_000;
  const seed = options.seed ?? 0;
  const prefix = options.idPrefix ?? 'syn';
  if (!Number.isInteger(count) || count < 1 || count > 1_000_000)
    throw new ConfigError(`count must be an integer in [1, 1e6], got ${count}`, {
      key: 'count',
      value: count,
    });
  const channels = syntheticChannels(options.channels ?? 150, seed);
  // Zipf weights 1/(r+1) over channels, sampled through the cumulative sum.
  const cum: number[] = [];
  let total = 0;
  for (let r = 0; r < channels.length; r++) cum.push((total += 1 / (r + 1)));
  const rng = new Rng(seed);
  const items: Item[] = [];
  for (let i = 0; i < count; i++) {
    const sceneSeed = rng.nextU32();
    const scene = generateScene(SYNTHETIC_SCENE_CONFIG, sceneSeed);
    const u = rng.uniform() * total;
    let c = 0;
    while (cum[c] < u) c++;
    const channel = channels[c];
    const durationS = Math.round(5 * 360 ** rng.uniform());
    items.push(itemFromScene(`${prefix}-${i}`, scene, sceneSeed, channel, durationS));
  }
  return items;
}

/** The length bucket tag of a duration: `short` (< 60 s), `medium` (< 10 min) or `long`. */
export function lengthTag(durationS: number): 'short' | 'medium' | 'long' {
  return durationS < 60 ? 'short' : durationS < 600 ? 'medium' : 'long';
}

function itemFromScene(
  id: string,
  scene: Scene,
  sceneSeed: number,
  channel: SyntheticChannel,
  durationS: number,
): Item {
  const genre = GENRES.find((g) => g.tag === channel.genre) ?? GENRES[0];
  const main = scene.objects[0];
  const mainMotion = main.segments[0].kind;
  const tags = new Set<string>([genre.tag, lengthTag(durationS), CAMERA_TAG[scene.camera.kind]]);
  for (const o of scene.objects) {
    tags.add(o.colorName);
    tags.add(o.shape);
    tags.add(TEXTURE_ADJ[o.texture]);
    for (const s of o.segments) tags.add(s.kind === 'static' ? 'still' : s.kind);
  }
  const others = scene.objects.length - 1;
  const title =
    `${genre.title} ${TEXTURE_ADJ[main.texture]} ${main.colorName} ${main.shape} ${VERB_ING[mainMotion]}` +
    (others > 0 ? ` with ${others} other object${others > 1 ? 's' : ''}` : '');
  return parseItem({
    id,
    title,
    description: `${caption(scene)} ${genre.blurb} Main action: ${mainMotion}.`,
    tags: [...tags],
    durationS,
    channel: channel.name,
    media: { sceneSeed },
  });
}

/**
 * Renders the clip of a synthetic item from its `media.sceneSeed` with synth4d's ray caster (pure
 * TypeScript, no ML runtime): `[T, H, W, 3]` float32 linear RGB in [0, 1] at
 * {@link SYNTHETIC_SCENE_CONFIG}'s size (16 x 64 x 64) unless `config` overrides it. The clip is the
 * scene the item's metadata describes, ready for `Embedder.embedVideo` or for writing a thumbnail.
 * @throws ItemValidationError when the item has no scene seed.
 */
export function renderSyntheticClip(item: Item, config: SceneConfigInput = {}): Clip {
  const seed = item.media?.sceneSeed;
  if (seed === undefined)
    throw new ItemValidationError(`item '${item.id}' has no media.sceneSeed to render`, { id: item.id });
  const scene = generateScene({ ...SYNTHETIC_SCENE_CONFIG, ...config }, seed);
  const { width: W, height: H, frames: T } = scene.config;
  return { data: renderScene(scene).rgb, shape: [T, H, W, 3] };
}
