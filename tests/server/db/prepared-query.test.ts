// PreparedQuery: compiled once per dialect, run with each call's values; the same rows as the
// builder would give, on SQLite and PostgreSQL, and a clear error for a builder that alters a
// placeholder (which would otherwise bind a wrong value silently).
import t from 'tap';
import { PreparedQuery } from '../../../server/db/prepared-query.js';
import { createEnrollmentToken } from '../../../server/auth/tokens.js';
import { DB_KINDS, openTestDatabase, TEST_NOW } from '../fixture.js';

for (const kind of DB_KINDS) {
  t.test(`prepared queries (${kind})`, async (t) => {
    const { db } = await openTestDatabase(t, kind);
    const sites = ['ch-nord', 'ch-sud', "ch-l'ouest"];
    for (const site of sites) await createEnrollmentToken(db, { site, role: 'server', now: TEST_NOW });

    t.test('each run binds its own values; repeated and constant parameters keep their places', async (t) => {
      // `site` is used twice and the builder adds a constant of its own ('ch-sud').
      const query = new PreparedQuery<{ site: string; role: string }, { site: string }>(['site', 'role'], (db, p) =>
        db
          .selectFrom('enrollment_tokens')
          .select('site')
          .where((eb) => eb.or([eb('site', '=', p.site), eb.and([eb('site', '=', 'ch-sud'), eb('role', '=', p.role)])]))
          .where('site', '!=', p.site)
          .orderBy('site'),
      );
      // (site = S or (site = 'ch-sud' and role = R)) and site != S: only ch-sud, when R is its role.
      t.same((await query.run(db, { site: 'ch-nord', role: 'server' })).rows, [{ site: 'ch-sud' }]);
      t.same((await query.run(db, { site: 'ch-nord', role: 'workstation' })).rows, []);
      t.same((await query.run(db, { site: "ch-l'ouest", role: 'server' })).rows, [{ site: 'ch-sud' }], 'quotes are bound, not spliced');
    });

    t.test('the same rows as the builder, in a transaction too', async (t) => {
      const query = new PreparedQuery<{ site: string }, { site: string; role: string }>(['site'], (db, p) =>
        db.selectFrom('enrollment_tokens').select(['site', 'role']).where('site', '=', p.site),
      );
      for (const site of [...sites, 'absent']) {
        const built = await db.selectFrom('enrollment_tokens').select(['site', 'role']).where('site', '=', site).execute();
        t.same((await query.run(db, { site })).rows, built, site);
        const inTransaction = await db.transaction().execute(async (trx) => (await query.run(trx, { site })).rows);
        t.same(inTransaction, built, `${site} in a transaction`);
      }
    });

    t.test('a builder that alters or drops a placeholder is refused when compiled', async (t) => {
      const altered = new PreparedQuery<{ site: string }, { site: string }>(['site'], (db, p) =>
        db.selectFrom('enrollment_tokens').select('site').where('site', '=', p.site.toUpperCase()),
      );
      await t.rejects(async () => altered.run(db, { site: 'ch-nord' }), /does not use its parameter\(s\) site/);
      const dropped = new PreparedQuery<{ site: string; role: string }, { site: string }>(['site', 'role'], (db, p) =>
        db.selectFrom('enrollment_tokens').select('site').where('site', '=', p.site),
      );
      await t.rejects(async () => dropped.run(db, { site: 'ch-nord', role: 'server' }), /does not use its parameter\(s\) role/);
    });
  });
}
