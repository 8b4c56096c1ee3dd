// Migration 0018 adds the indexes the dashboard needs at fleet scale: hosts in keyset order
// (site, hostname, host_id), the reports' verdict counts by report, and audit results by host.
// On both databases they exist after migrating, go with down() and come back with up(); on SQLite
// the hosts list's first page and a host's audit history are read through them (no sort of the
// whole table, no scan of every audit's rows), and were not before.
import { sql } from 'kysely';
import t from 'tap';
import { dashboardIndexesMigration } from '../../../server/db/migrations/0018_dashboard_indexes.js';
import type { Database } from '../../../server/db/schema.js';
import { DB_KINDS, testApp } from '../fixture.js';
import { indexColumns, tableOf } from './index-info.js';

const INDEXES = {
  hosts_keyset_idx: { table: 'hosts', columns: ['site', 'hostname', 'host_id'] },
  reports_verdict_counts_idx: { table: 'reports', columns: ['report_id', 'pass', 'warn', 'fail', 'unknown', 'not_applicable'] },
  audit_hosts_host_idx: { table: 'audit_hosts', columns: ['host_id', 'audit_id'] },
} as const;

// Each phase's query text differs (a comment): the SQLite connection caches prepared statements,
// and an EXPLAIN prepared before the schema changed keeps showing the old plan.
const HOSTS_FIRST_PAGE = (phase: string) => sql`explain query plan ${sql.raw(`/* ${phase} */`)}
  select h.host_id, r.pass, r.fail from hosts as h left join reports as r on r.report_id = h.current_report_id
  where h.revoked_at is null order by h.site, h.hostname, h.host_id limit 51`;
const HOST_AUDITS = (phase: string) => sql`explain query plan ${sql.raw(`/* ${phase} */`)} select audit_id from audit_hosts where host_id = ${'00000000-0000-4000-8000-000000000001'}`;

async function plan(db: Database, query: ReturnType<typeof HOSTS_FIRST_PAGE>): Promise<string> {
  const { rows } = await query.execute(db);
  return (rows as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
}

for (const kind of DB_KINDS) {
  t.test(`migration 0018: the dashboard's indexes (${kind})`, async (t) => {
    const { db } = await testApp(t, kind);
    for (const [name, { table, columns }] of Object.entries(INDEXES)) {
      t.equal(await tableOf(db, name), table, `${name} is on ${table}`);
      t.same(await indexColumns(db, name), columns, `${name} columns in order`);
    }
    const withIndexes = kind === 'sqlite' ? { hosts: await plan(db, HOSTS_FIRST_PAGE('up')), audits: await plan(db, HOST_AUDITS('up')) } : null;

    const migration = dashboardIndexesMigration(kind);
    await migration.down!(db as never);
    for (const name of Object.keys(INDEXES)) t.equal(await tableOf(db, name), null, `down drops ${name}`);
    if (withIndexes !== null) {
      const hosts = await plan(db, HOSTS_FIRST_PAGE('down'));
      t.match(hosts, /USE TEMP B-TREE FOR ORDER BY/, `without it, the first hosts page sorts every host: ${hosts}`);
      const audits = await plan(db, HOST_AUDITS('down'));
      t.match(audits, /SCAN audit_hosts/, `without it, a host's audits scan every audit's rows: ${audits}`);
      t.match(withIndexes.hosts, /hosts_keyset_idx/, `with it, the hosts page reads the keyset index: ${withIndexes.hosts}`);
      t.notMatch(withIndexes.hosts, /TEMP B-TREE/, 'and sorts nothing');
      t.match(withIndexes.audits, /SEARCH audit_hosts USING COVERING INDEX audit_hosts_host_idx/, `with it, a host's audits are an index search: ${withIndexes.audits}`);
    }

    await migration.up(db as never);
    for (const [name, { columns }] of Object.entries(INDEXES)) t.same(await indexColumns(db, name), columns, `up restores ${name}`);
  });
}
