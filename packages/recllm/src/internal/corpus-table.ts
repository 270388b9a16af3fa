import type * as lancedb from '@lancedb/lancedb';
import { Bool, Field, FixedSizeList, Float32, Float64, Schema, Utf8 } from 'apache-arrow';

/** How long {@link openOrCreateTable} waits for a table another process is creating. */
const CREATE_RACE_MS = 5000;

/**
 * Opens the table, or creates it empty. Several processes may open one new directory at once: the
 * first creates the table, and until its first version is written the others see its name but cannot
 * open it (`not found`); they retry for up to {@link CREATE_RACE_MS}.
 */
export async function openOrCreateTable(
  conn: lancedb.Connection,
  name: string,
  dim: number,
): Promise<lancedb.Table> {
  const vec = () => new FixedSizeList(dim, new Field('item', new Float32(), true));
  const schema = new Schema([
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
  const deadline = Date.now() + CREATE_RACE_MS;
  for (;;) {
    try {
      if ((await conn.tableNames()).includes(name)) return await conn.openTable(name);
      return await conn.createEmptyTable(name, schema, { mode: 'create', existOk: true });
    } catch (error) {
      if (!/not found|already exists/i.test((error as Error).message) || Date.now() > deadline) throw error;
      await new Promise((done) => setTimeout(done, 20));
    }
  }
}
