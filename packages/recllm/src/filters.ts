import { z } from 'zod';
import type { Item } from './item';
import { itemIdSchema, tagSchema } from './item';

/**
 * Retrieval filters (also the `filters` of a retrieve action). Every present field must hold:
 * `tags` all present, `excludeTags` all absent, `channel` equal (case-insensitive), duration in range,
 * id not in `excludeIds`.
 */
export const filtersSchema = z
  .object({
    tags: z.array(tagSchema).max(16).optional(),
    excludeTags: z.array(tagSchema).max(16).optional(),
    channel: z.string().min(1).max(120).optional(),
    minDurationS: z.number().nonnegative().optional(),
    maxDurationS: z.number().positive().optional(),
    excludeIds: z.array(itemIdSchema).max(1000).optional(),
  })
  .strict();

/** Retrieval filters; see {@link filtersSchema}. */
export type Filters = z.output<typeof filtersSchema>;

/** Whether `item` passes `filters` (the in-memory form of the SQL that {@link filtersToSql} writes). */
export function matchesFilters(item: Item, filters: Filters | undefined): boolean {
  if (!filters) return true;
  if (filters.tags?.some((t) => !item.tags.includes(t))) return false;
  if (filters.excludeTags?.some((t) => item.tags.includes(t))) return false;
  if (filters.channel !== undefined && filters.channel.toLowerCase() !== item.channel.toLowerCase())
    return false;
  if (filters.minDurationS !== undefined && item.durationS < filters.minDurationS) return false;
  if (filters.maxDurationS !== undefined && item.durationS > filters.maxDurationS) return false;
  if (filters.excludeIds?.includes(item.id)) return false;
  return true;
}

/**
 * {@link matchesFilters} compiled once for many items (sets for tags and ids, the channel lowercased);
 * `undefined` when `filters` holds nothing to check.
 */
export function filterPredicate(filters: Filters | undefined): ((item: Item) => boolean) | undefined {
  if (!filters) return undefined;
  const tags = filters.tags ?? [];
  const excludeTags = filters.excludeTags?.length ? new Set(filters.excludeTags) : undefined;
  const channel = filters.channel?.toLowerCase();
  const { minDurationS: min, maxDurationS: max } = filters;
  const excludeIds = filters.excludeIds?.length ? new Set(filters.excludeIds) : undefined;
  if (
    !tags.length &&
    !excludeTags &&
    channel === undefined &&
    min === undefined &&
    max === undefined &&
    !excludeIds
  )
    return undefined;
  return (item) => {
    if (excludeIds?.has(item.id)) return false;
    if (min !== undefined && item.durationS < min) return false;
    if (max !== undefined && item.durationS > max) return false;
    if (channel !== undefined && channel !== item.channel.toLowerCase()) return false;
    for (const t of tags) if (!item.tags.includes(t)) return false;
    if (excludeTags) for (const t of item.tags) if (excludeTags.has(t)) return false;
    return true;
  };
}

/** A SQL string literal: single quotes doubled (values are validated first; this is defence in depth). */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * The LanceDB (DataFusion SQL) `where` clause of `filters` over the store's columns `tagstr`
 * (`|tag1|tag2|`), `channel_lc`, `duration_s` and `id`; `undefined` when there is nothing to filter.
 * Tags are slugs (no `%`, `_`, `'` or `|`), so a `LIKE '%|tag|%'` pattern matches exactly that tag.
 */
export function filtersToSql(filters: Filters | undefined): string | undefined {
  if (!filters) return undefined;
  const f = filtersSchema.parse(filters);
  const parts: string[] = [];
  for (const t of f.tags ?? []) parts.push(`tagstr LIKE ${sqlString(`%|${t}|%`)}`);
  for (const t of f.excludeTags ?? []) parts.push(`tagstr NOT LIKE ${sqlString(`%|${t}|%`)}`);
  if (f.channel !== undefined) parts.push(`channel_lc = ${sqlString(f.channel.toLowerCase())}`);
  if (f.minDurationS !== undefined) parts.push(`duration_s >= ${Number(f.minDurationS)}`);
  if (f.maxDurationS !== undefined) parts.push(`duration_s <= ${Number(f.maxDurationS)}`);
  if (f.excludeIds && f.excludeIds.length > 0)
    parts.push(`id NOT IN (${f.excludeIds.map(sqlString).join(', ')})`);
  return parts.length > 0 ? parts.join(' AND ') : undefined;
}
