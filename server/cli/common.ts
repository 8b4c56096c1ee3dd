// Options shared by the CLI commands, and opening the database they act on.
import { Type } from 'typebox';
import { resolveConfig } from '../config.js';
import { openDatabase } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { CliIo } from './io.js';
import type { OptionSpec } from './options.js';

export const dataDirSpec: OptionSpec = { 'data-dir': { type: 'string' } };
export const jsonSpec: OptionSpec = { json: { type: 'boolean' } };

export const DataDirOption = Type.Optional(Type.String({ minLength: 1, maxLength: 4096 }));
export const JsonOption = Type.Optional(Type.Boolean());

/** Open the database of --data-dir (or VIGIE_DATA_DIR / DATABASE_URL / the default), run `work`, close. */
export async function withDatabase<T>(io: CliIo, dataDir: string | undefined, work: (db: Database) => Promise<T>): Promise<T> {
  const config = resolveConfig(dataDir === undefined ? {} : { dataDir }, io.env);
  const db = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}
