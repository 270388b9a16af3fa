import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { ManifestError } from './errors';
import type { ManifestEntry } from './manifest';

/** File extensions treated as videos by the importers. */
export const VIDEO_EXTENSIONS: readonly string[] = ['.mp4', '.webm', '.mkv', '.avi', '.mov', '.m4v'];

/**
 * Rows for a folder-per-class layout, `root/<class>/<video>`: the class is the folder name. Files and
 * classes are sorted, hidden entries skipped; paths are relative to `root`.
 */
export async function importFolderPerClass(
  root: string,
  options: { split?: string; extensions?: readonly string[] } = {},
): Promise<ManifestEntry[]> {
  const exts = new Set((options.extensions ?? VIDEO_EXTENSIONS).map((e) => e.toLowerCase()));
  let classes: string[];
  try {
    classes = (await readdir(root, { withFileTypes: true }))
      .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
      .map((d) => d.name)
      .sort();
  } catch (e) {
    throw new ManifestError(`${root}: cannot list dataset folder`, { path: root }, { cause: e });
  }
  const rows: ManifestEntry[] = [];
  for (const cls of classes) {
    const files = (await readdir(join(root, cls), { withFileTypes: true }))
      .filter((d) => d.isFile() && !d.name.startsWith('.') && exts.has(extname(d.name).toLowerCase()))
      .map((d) => d.name)
      .sort();
    for (const f of files)
      rows.push({ path: `${cls}/${f}`, label: cls, ...(options.split ? { split: options.split } : {}) });
  }
  return rows;
}

/** Splits one CSV line (RFC 4180 quoting). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** One parsed Kinetics CSV row. */
export interface KineticsRow {
  label?: string;
  youtubeId: string;
  timeStart: number;
  timeEnd: number;
  split: string;
}

/** The usual file name of a trimmed Kinetics clip: `<id>_<start 6 digits>_<end 6 digits>.mp4`. */
export function kineticsFileName(row: KineticsRow, extension = '.mp4'): string {
  const pad = (n: number) => String(Math.round(n)).padStart(6, '0');
  return `${row.youtubeId}_${pad(row.timeStart)}_${pad(row.timeEnd)}${extension}`;
}

/**
 * Rows from a Kinetics-style CSV (`label,youtube_id,time_start,time_end,split`, any column order,
 * extra columns ignored; `label` may be empty for unlabeled test rows). Paths default to
 * `<split>/<label>/<file>` (`layout: 'class-folders'`) or `<file>` (`layout: 'flat'`), with
 * {@link kineticsFileName}; pass `pathOf` for other layouts.
 * @throws ManifestError naming the CSV, line and column of a bad row.
 */
export async function importKineticsCsv(
  csvPath: string,
  options: {
    layout?: 'class-folders' | 'flat';
    extension?: string;
    pathOf?: (row: KineticsRow) => string;
  } = {},
): Promise<ManifestEntry[]> {
  let text: string;
  try {
    text = await readFile(csvPath, 'utf8');
  } catch (e) {
    throw new ManifestError(`${csvPath}: cannot read CSV`, { path: csvPath }, { cause: e });
  }
  const lines = text.split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.trim());
  const col: Record<string, number> = {};
  for (const name of ['label', 'youtube_id', 'time_start', 'time_end', 'split']) {
    col[name] = header.indexOf(name);
    if (col[name] < 0)
      throw new ManifestError(`${csvPath}:1: missing column ${name} (have ${header.join(',')})`, {
        path: csvPath,
        line: 1,
        field: name,
      });
  }
  const rows: ManifestEntry[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i].trim()) continue;
    const cells = splitCsvLine(lines[i]);
    const where = { path: csvPath, line: i + 1 };
    const get = (name: string) => (cells[col[name]] ?? '').trim();
    const bad = (field: string, why: string): never => {
      throw new ManifestError(`${csvPath}:${i + 1}: ${field} ${why}`, { ...where, field, value: get(field) });
    };
    const youtubeId = get('youtube_id');
    if (!/^[A-Za-z0-9_-]+$/.test(youtubeId)) bad('youtube_id', 'must be a YouTube id ([A-Za-z0-9_-]+)');
    const timeStart = Number(get('time_start'));
    const timeEnd = Number(get('time_end'));
    if (get('time_start') === '' || !Number.isFinite(timeStart) || timeStart < 0)
      bad('time_start', 'must be a number >= 0');
    if (get('time_end') === '' || !Number.isFinite(timeEnd) || timeEnd <= timeStart)
      bad('time_end', 'must be a number > time_start');
    const split = get('split');
    if (!split) bad('split', 'is empty');
    const labelText = get('label');
    if (labelText && /[/\\]|^\.\.?$/.test(labelText)) bad('label', 'must not contain path separators');
    const row: KineticsRow = {
      youtubeId,
      timeStart,
      timeEnd,
      split,
      ...(labelText ? { label: labelText } : {}),
    };
    const file = kineticsFileName(row, options.extension);
    let path: string;
    if (options.pathOf) path = options.pathOf(row);
    else if (options.layout === 'flat') path = file;
    else path = row.label ? `${split}/${row.label}/${file}` : `${split}/${file}`;
    rows.push({ path, split, ...(row.label ? { label: row.label } : {}) });
  }
  return rows;
}
