import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { issueKey, writeFileAtomic } from '@vfmkit/core';
import { z } from 'zod';
import { ManifestError } from './errors';

const label = z.union([z.string().min(1), z.number().int().nonnegative()]);
const seconds = z.number().finite().nonnegative();

/** One row of a JSONL dataset manifest. Times are seconds from the start of the file. */
export const manifestEntrySchema = z
  .object({
    /** Video file, relative to the manifest's folder (or absolute inside the dataset root). */
    path: z.string().min(1),
    split: z.string().min(1).optional(),
    /** Single-label classification. */
    label: label.optional(),
    /** Multi-label classification. */
    labels: z.array(label).min(1).optional(),
    /** A free-text description of the clip (video-text training and zero-shot retrieval). */
    caption: z
      .string()
      .refine((c) => c.trim().length > 0, { message: 'caption must not be empty' })
      .optional(),
    /** Use only this part of the file. */
    start: seconds.optional(),
    end: seconds.optional(),
    /** Temporal segments (temporal localization). */
    segments: z
      .array(
        z
          .object({ start: seconds, end: seconds, label })
          .strict()
          .refine((s) => s.end > s.start, { message: 'segment end must be after start' }),
      )
      .optional(),
    /** Keyframe actor boxes `[x1, y1, x2, y2]` normalised to [0, 1] (spatio-temporal localization). */
    boxes: z
      .array(
        z
          .object({
            time: seconds,
            box: z
              .tuple([z.number(), z.number(), z.number(), z.number()])
              .refine(([x1, y1, x2, y2]) => x1 >= 0 && y1 >= 0 && x2 <= 1 && y2 <= 1 && x1 < x2 && y1 < y2, {
                message: 'box must be [x1, y1, x2, y2] in [0, 1] with x1 < x2, y1 < y2',
              }),
            labels: z.array(label).min(1),
            actorId: z.number().int().nonnegative().optional(),
          })
          .strict(),
      )
      .optional(),
  })
  .strict()
  .refine((e) => !(e.label !== undefined && e.labels !== undefined), {
    message: 'use label or labels, not both',
    path: ['labels'],
  })
  .refine((e) => e.start === undefined || e.end === undefined || e.end > e.start, {
    message: 'end must be after start',
    path: ['end'],
  });

/** A manifest row as written. */
export type ManifestEntry = z.output<typeof manifestEntrySchema>;

/** A manifest row with its file resolved. */
export interface ResolvedEntry extends ManifestEntry {
  /** Absolute path of the video. */
  readonly file: string;
  /** 1-based line in the manifest (0 when built in memory). */
  readonly line: number;
}

/** A loaded manifest. */
export interface Manifest {
  /** The manifest file ('' when built in memory). */
  readonly path: string;
  /** Dataset root: no entry may point outside it. */
  readonly root: string;
  readonly entries: readonly ResolvedEntry[];
}

/**
 * Resolves `entryPath` against `base` and checks it stays inside `root`.
 * @throws ManifestError (`field: 'path'`) when it escapes the root.
 */
export function resolveInside(
  root: string,
  base: string,
  entryPath: string,
  where: { path: string; line?: number },
): string {
  const file = resolve(base, entryPath);
  const rel = relative(resolve(root), file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new ManifestError(
      `${where.path}${where.line ? `:${where.line}` : ''}: path ${entryPath} escapes the dataset root ${root}`,
      {
        ...where,
        field: 'path',
        value: entryPath,
      },
    );
  }
  return file;
}

/** Validates one row. @throws ManifestError naming the file, line and field. */
export function parseManifestEntry(row: unknown, where: { path: string; line?: number }): ManifestEntry {
  const res = manifestEntrySchema.safeParse(row);
  if (!res.success) {
    const issue = res.error.issues[0];
    const field = issueKey(issue, '(row)');
    throw new ManifestError(
      `${where.path}${where.line ? `:${where.line}` : ''}: ${field}: ${issue.message}`,
      {
        ...where,
        field,
        issues: res.error.issues,
      },
    );
  }
  return res.data;
}

/** Builds a manifest from in-memory rows; paths resolve against `root`. */
export function manifestFromEntries(root: string, rows: readonly unknown[], path = ''): Manifest {
  const where = path || root;
  const entries = rows.map((row, i) => {
    const line = path ? i + 1 : 0;
    const e = parseManifestEntry(row, { path: where, line: line || undefined });
    return { ...e, file: resolveInside(root, root, e.path, { path: where, line: line || undefined }), line };
  });
  return { path, root: resolve(root), entries };
}

/**
 * Reads a JSONL manifest (one {@link ManifestEntry} per line; blank lines ignored). Paths resolve
 * relative to the manifest's folder; `root` (default: that folder) bounds them.
 * @throws ManifestError naming the file, the line and the field of the first bad row.
 */
export async function readManifest(path: string, options: { root?: string } = {}): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ManifestError(`${path}: cannot read manifest`, { path }, { cause: e });
  }
  const base = dirname(resolve(path));
  const root = resolve(options.root ?? base);
  const entries: ResolvedEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (!raw) continue;
    const where = { path, line: i + 1 };
    let row: unknown;
    try {
      row = JSON.parse(raw);
    } catch (e) {
      throw new ManifestError(`${path}:${i + 1}: not valid JSON`, where, { cause: e });
    }
    const entry = parseManifestEntry(row, where);
    entries.push({ ...entry, file: resolveInside(root, base, entry.path, where), line: i + 1 });
  }
  return { path, root, entries };
}

/** Writes rows as JSONL (atomically). Paths are written as given: keep them relative to the file. */
export async function writeManifest(path: string, rows: readonly ManifestEntry[]): Promise<void> {
  const lines = rows.map((r, i) => {
    const e = parseManifestEntry(r, { path, line: i + 1 });
    return JSON.stringify(e);
  });
  await writeFileAtomic(path, [Buffer.from(lines.join('\n') + (lines.length ? '\n' : ''), 'utf8')]);
}

/**
 * Sorted distinct labels (as strings) of the entries' `label`/`labels`, and with `annotations` also of
 * their `segments` and `boxes` (one vocabulary for every task of a manifest): index = class id.
 */
export function labelVocabulary(
  entries: readonly ManifestEntry[],
  options: { annotations?: boolean } = {},
): string[] {
  const set = new Set<string>();
  for (const e of entries) {
    if (e.label !== undefined) set.add(String(e.label));
    for (const l of e.labels ?? []) set.add(String(l));
    if (!options.annotations) continue;
    for (const s of e.segments ?? []) set.add(String(s.label));
    for (const b of e.boxes ?? []) for (const l of b.labels) set.add(String(l));
  }
  return [...set].sort();
}
