// The trend roll-up over rules (trend_status_counts, migration 0018b) always equals the per-rule
// rows summed over rules, on SQLite and PostgreSQL: after real nightly audits, after rewriting a
// day (no double count), after the demo's simulated history, and when the migration back-fills it
// from rows already there. The series the overview and trends page draw from it are those the
// per-rule rows give; with a rule filter they read that rule's rows.
import { sql } from 'kysely';
import t from 'tap';
import { trendStatusCountsMigration } from '../../../server/db/migrations/0018b_trend_status_counts.js';
import type { Database } from '../../../server/db/schema.js';
import { statusSeries, TrendTally, writeTrendDay } from '../../../server/db/trends.js';
import { seedTrendHistory } from '../../../server/demo/trend-history.js';
import { dayMinus } from '../../../server/dashboard/components/chart.js';
import { parisDay } from '../../../server/dashboard/i18n/format.js';
import { dashboardApp, seedFleet } from '../dashboard/fixture.js';
import { DB_KINDS } from '../fixture.js';

type Row = { day: string; site: string; role: string; status: string; hosts: number };
const sorted = (rows: Row[]) => rows.map((r) => ({ ...r, hosts: Number(r.hosts) })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** The per-rule rows summed over rules, and the roll-up, both sorted. */
async function both(db: Database): Promise<{ expected: Row[]; rolled: Row[] }> {
  const expected = (await sql<Row>`select day, site, role, status, sum(hosts) as hosts from trend_rule_counts group by day, site, role, status`.execute(db)).rows;
  const rolled = await db.selectFrom('trend_status_counts').select(['day', 'site', 'role', 'status', 'hosts']).execute();
  return { expected: sorted(expected), rolled: sorted(rolled) };
}

for (const kind of DB_KINDS) {
  t.test(`trend roll-up over rules (${kind})`, async (t) => {
    const d = await dashboardApp(t, kind);
    await seedFleet(t, d, 2, 24);
    const today = parisDay(d.clock.now());

    let { expected, rolled } = await both(d.db);
    t.equal(new Set(expected.map((r) => r.day)).size, 2, 'two audited days');
    t.ok(expected.length > 0);
    t.same(rolled, expected, 'the nightly audits wrote the roll-up with their rows');

    // Rewriting a day (a second audit the same day) replaces its roll-up, never adds to it.
    const tally = new TrendTally();
    tally.add({ site: 'ch-x', role: 'server', state: 'assessed', results: [{ rule_id: 'NET-01', status: 'fail', waiver_id: null }, { rule_id: 'NET-02', status: 'fail', waiver_id: null }] });
    await d.db.transaction().execute((trx) => writeTrendDay(trx, today, tally));
    ({ expected, rolled } = await both(d.db));
    t.same(rolled, expected, 'a rewritten day');
    t.same(
      rolled.filter((r) => r.day === today),
      [{ day: today, site: 'ch-x', role: 'server', status: 'fail', hosts: 2 }],
      'the day holds the new audit only, summed over its two rules',
    );

    // The demo's simulated history writes the roll-up of every day it writes.
    await seedTrendHistory(d.db, today, { days: 30 });
    ({ expected, rolled } = await both(d.db));
    t.equal(new Set(rolled.map((r) => r.day)).size, 30, '30 days rolled up');
    t.same(rolled, expected, 'the simulated days too');

    // The series read from the roll-up are those of the per-rule rows.
    const from = dayMinus(today, 29);
    const fromRules = async (rule?: string) =>
      (
        await sql<{ day: string; status: string; hosts: number }>`select day, status, sum(hosts) as hosts from trend_rule_counts
          where day >= ${from} and day <= ${today} ${rule === undefined ? sql`` : sql`and rule_id = ${rule}`} and site = ${'ch-x'} group by day, status order by day, status`.execute(d.db)
      ).rows.map((r) => ({ ...r, hosts: Number(r.hosts) }));
    const bySeries = async (rule?: string) => (await statusSeries(d.db, from, today, { site: 'ch-x', ...(rule === undefined ? {} : { rule }) })).sort((a, b) => (a.day + a.status).localeCompare(b.day + b.status));
    t.same(await bySeries(), await fromRules(), 'every rule, one site: the same series');
    t.same(await bySeries('NET-01'), await fromRules('NET-01'), 'one rule: that rule’s series');
    t.not(JSON.stringify(await bySeries('NET-01')), JSON.stringify(await bySeries()), 'and not the every-rule one');

    // The migration back-fills the roll-up from the per-rule rows already stored.
    const migration = trendStatusCountsMigration(kind);
    await migration.down!(d.db as never);
    await migration.up(d.db as never);
    ({ expected, rolled } = await both(d.db));
    t.equal(rolled.length, expected.length, `back-filled: ${rolled.length} rows`);
    t.same(rolled, expected, 'equal to the per-rule rows summed');
  });
}
