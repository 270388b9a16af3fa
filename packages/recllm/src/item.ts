import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ItemValidationError } from './errors';

/** Item ids: 1-128 characters of `[A-Za-z0-9._:-]` (safe inside SQL filters and file names). */
export const itemIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'item ids use only A-Z a-z 0-9 . _ : -');

/** Tags (also the concept vocabulary of filters): lowercase slugs, 1-48 characters. */
export const tagSchema = z
  .string()
  .min(1)
  .max(48)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'tags are lowercase slugs: a-z 0-9 and -');

/** Where an item's media lives (paths or URLs the app serves; recllm never reads them). */
export const itemMediaSchema = z
  .object({
    clipPath: z.string().max(1024).optional(),
    thumbnailPath: z.string().max(1024).optional(),
    /** The synth4d scene seed a synthetic item was drawn from (to render its clip on demand). */
    sceneSeed: z.number().int().nonnegative().optional(),
  })
  .strict();

/**
 * A video of the corpus. `videoEmbedding` is optional: a vector from `Embedder.embedVideo` computed by
 * the indexer (recllm loads no model itself). Text embeddings are computed by the store from the text.
 */
export const itemSchema = z
  .object({
    id: itemIdSchema,
    title: z.string().min(1).max(300),
    description: z.string().max(5000),
    tags: z.array(tagSchema).max(64),
    /** Duration in seconds. */
    durationS: z
      .number()
      .positive()
      .max(86_400 * 7),
    channel: z.string().min(1).max(120),
    media: itemMediaSchema.optional(),
    videoEmbedding: z.array(z.number().finite()).min(1).max(8192).optional(),
  })
  .strict();

/** A corpus item (validated by {@link parseItem}). */
export type Item = z.output<typeof itemSchema>;
/** The input form of {@link Item}. */
export type ItemInput = z.input<typeof itemSchema>;

/**
 * Validates an item. Tags are de-duplicated and sorted so that equal content hashes to the same value.
 * @throws ItemValidationError naming the item id and the first failing field.
 */
export function parseItem(input: unknown): Item {
  const r = itemSchema.safeParse(input);
  if (!r.success) {
    const first = r.error.issues[0];
    const id = typeof (input as { id?: unknown })?.id === 'string' ? (input as { id: string }).id : undefined;
    throw new ItemValidationError(
      `invalid item${id ? ` '${id}'` : ''}: ${first.path.join('.') || '(root)'}: ${first.message}`,
      { id, issues: r.error.issues },
    );
  }
  return { ...r.data, tags: [...new Set(r.data.tags)].sort() };
}

/**
 * The content hash of an item: sha256 (hex) over a canonical JSON of every field (keys sorted, tags
 * sorted). Upserts skip an item whose id and content hash are both unchanged.
 */
export function contentHash(item: Item): string {
  return createHash('sha256').update(canonicalJson(item)).digest('hex');
}

/** The text the store embeds and indexes for an item: title, description, tags and channel. */
export function itemText(item: Item): string {
  return `${item.title}. ${item.description} Tags: ${item.tags.join(', ')}. Channel: ${item.channel}.`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value as object)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
