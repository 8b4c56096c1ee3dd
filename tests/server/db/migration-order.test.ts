// A database upgraded from a release that did not have a lettered migration (0008b, 0011b: added
// after later numbers had shipped) still opens: the missing ones are applied, not refused.
import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import t from 'tap';
import { dialectOf } from '../../../server/db/columns.js';
import { migrateToLatest } from '../../../server/db/database.js';
import { StaticMigrationProvider } from '../../../server/db/migrations/index.js';
import { DB_KINDS, openTestDatabase } from '../fixture.js';

const LETTERED = /^\d{4}[a-z]_/;

/** The migrations a release without the lettered ones shipped. */
class WithoutLettered implements MigrationProvider {
  constructor(private readonly inner: MigrationProvider) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return Object.fromEntries(Object.entries(await this.inner.getMigrations()).filter(([name]) => !LETTERED.test(name)));
  }
}

for (const kind of DB_KINDS) {
  t.test(`${kind}: a database migrated without the lettered migrations opens and gets them`, async (t) => {
    const { db } = await openTestDatabase(t, kind);
    const dialect = dialectOf(db);
    const full = new StaticMigrationProvider(dialect);
    const lettered = Object.keys(await full.getMigrations()).filter((name) => LETTERED.test(name));
    t.ok(lettered.length >= 1, `lettered migrations exist (${lettered.join(', ')})`);

    // Back to before the first lettered one, then up as the older release would have gone.
    const first = lettered.sort()[0]!;
    const names = Object.keys(await full.getMigrations()).sort();
    const before = names[names.indexOf(first) - 1]!;
    t.equal((await new Migrator({ db, provider: full }).migrateTo(before)).error, undefined, `down to ${before}`);
    t.equal((await new Migrator({ db, provider: new WithoutLettered(full) }).migrateToLatest()).error, undefined, 'up as the older release');
    const applied = async () => (await new Migrator({ db, provider: full }).getMigrations()).filter((m) => m.executedAt !== undefined).map((m) => m.name);
    t.notOk((await applied()).some((name) => LETTERED.test(name)), 'no lettered migration applied yet');

    await migrateToLatest(db, dialect);
    t.same((await applied()).sort(), names, 'every migration applied, the lettered ones included');
  });
}
