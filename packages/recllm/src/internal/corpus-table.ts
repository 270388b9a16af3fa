import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type * as lancedb from '@lancedb/lancedb';
import { Bool, Field, FixedSizeList, Float32, Float64, Schema, Utf8 } from 'apache-arrow';
import { StoreError } from '../errors';

/** How long {@link openOrCreateTable} waits for a table another process is creating. */
const CREATE_RACE_MS = 10_000;
/** A creation lock older than this was left by a process that died while creating: it is taken over. */
const STALE_LOCK_MS = 30_000;

function schemaOf(dim: number): Schema {
  const vec = () => new FixedSizeList(dim, new Field('item', new Float32(), true));
  return new Schema([
    new Field('id', new Utf8(), false),
    new Field('hash', new Utf8(), false),
    new Field('item_json', new Utf8(), false),
    new Field('channel_lc', new Utf8(), false),
    new Field('tagstr', new Utf8(), false),
    new Field('duration_s', new Float64(), false),
    new Field('has_video', new Bool(), false),
    new Field('vector', vec(), false),
    new Field('video_vector', vec(), false),
  ]);
}

/** Takes the creation lock of `dir` (an atomic `mkdir`); false when another process holds it. */
function tryLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) {
      rmSync(lock, { recursive: true, force: true });
      return tryLock(lock);
    }
    return false;
  }
}

/**
 * Opens the table in `dir`, or creates it empty. Several processes may open one new directory at once:
 * one of them takes a creation lock (an atomic `mkdir`) and creates the table; the others wait for it
 * (until its first version is written they see its name but cannot open it, `not found`) for up to
 * {@link CREATE_RACE_MS}. Two creators at once would each commit a version, and the later overwrite
 * makes the earlier writers' next commit fail.
 */
export async function openOrCreateTable(
  conn: lancedb.Connection,
  dir: string,
  name: string,
  dim: number,
): Promise<lancedb.Table> {
  const lock = join(dir, `.${name}.creating`);
  const deadline = Date.now() + CREATE_RACE_MS;
  for (;;) {
    try {
      if ((await conn.tableNames()).includes(name)) return await conn.openTable(name);
      if (tryLock(lock)) {
        try {
          if ((await conn.tableNames()).includes(name)) return await conn.openTable(name);
          return await conn.createEmptyTable(name, schemaOf(dim), { mode: 'create', existOk: true });
        } finally {
          rmSync(lock, { recursive: true, force: true });
        }
      }
    } catch (error) {
      if (!/not found/i.test((error as Error).message) || Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline)
      throw new StoreError(`timed out waiting for another process to create table '${name}' in ${dir}`, {
        dir,
        table: name,
      });
    await new Promise((done) => setTimeout(done, 20));
  }
}
