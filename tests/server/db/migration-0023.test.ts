// Migration 0023 adds the indexes the Destinations page needs at 100,000 hosts: its coverage per
// scope, its registrable-domain groups and its allowlist entries' use each read an index alone.
// On both databases they exist after migrating, go with down() and come back with up(); on SQLite
// each panel's query is planned on its index, covering (no table row read), and was not before.
import { sql } from 'kysely';
import t from 'tap';
import { inventoryPageIndexesMigration } from '../../../server/db/migrations/0023_inventory_page_indexes.js';
import type { Database } from '../../../server/db/schema.js';
import { DB_KINDS, testApp } from '../fixture.js';
import { indexColumns, tableOf } from './index-info.js';

const INDEXES = {
  inventory_destinations_scope_verdict_idx: ['site', 'role', 'verdict'],
  inventory_destinations_domain_idx: ['site', 'domain', 'verdict'],
  inventory_destinations_entry_idx: ['site', 'role', 'verdict_entry', 'last_seen'],
} as const;

// The panels' queries as server/inventory/maintenance.ts and server/dashboard/data/destinations.ts
// build them. Each phase's text differs (a comment): the SQLite connection caches prepared
// statements, and an EXPLAIN prepared before the schema changed keeps showing the old plan.
const PANELS = {
  coverage: (phase: string) => sql`explain query plan ${sql.raw(`/* ${phase} */`)} select site, role, verdict, count(*) as n from inventory_destinations where site = ${'ch-a'} group by site, role, verdict`,
  domains: (phase: string) =>
    sql`explain query plan ${sql.raw(`/* ${phase} */`)} select domain, count(*) as n, sum(case when verdict in ('unlisted', 'name_unknown') then 1 else 0 end) as outside from inventory_destinations where site = ${'ch-a'} group by domain order by n desc, domain limit 30`,
  entries: (phase: string) =>
    sql`explain query plan ${sql.raw(`/* ${phase} */`)} select verdict_entry, count(*) as n, max(last_seen) as last from inventory_destinations where site = ${'ch-a'} and role = ${'workstation'} and verdict_entry is not null group by verdict_entry`,
} as const;
const PANEL_INDEX = { coverage: 'inventory_destinations_scope_verdict_idx', domains: 'inventory_destinations_domain_idx', entries: 'inventory_destinations_entry_idx' } as const;

async function plan(db: Database, query: ReturnType<typeof PANELS.coverage>): Promise<string> {
  const { rows } = await query.execute(db);
  return (rows as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
}

for (const kind of DB_KINDS) {
  t.test(`migration 0023: the Destinations page's indexes (${kind})`, async (t) => {
    const { db } = await testApp(t, kind);
    for (const [name, columns] of Object.entries(INDEXES)) {
      t.equal(await tableOf(db, name), 'inventory_destinations', `${name} is on inventory_destinations`);
      t.same(await indexColumns(db, name), columns, `${name} columns in order`);
    }
    if (kind === 'sqlite') {
      for (const [panel, query] of Object.entries(PANELS)) {
        const p = await plan(db, query('up'));
        t.match(p, new RegExp(`USING COVERING INDEX ${PANEL_INDEX[panel as keyof typeof PANELS]}`), `${panel}: read from its index alone: ${p}`);
      }
    }

    const migration = inventoryPageIndexesMigration(kind);
    await migration.down!(db as never);
    for (const name of Object.keys(INDEXES)) t.equal(await tableOf(db, name), null, `down drops ${name}`);
    if (kind === 'sqlite') {
      for (const [panel, query] of Object.entries(PANELS)) {
        const p = await plan(db, query('down'));
        t.notMatch(p, /COVERING INDEX/, `${panel}: without it, every row of the site is read: ${p}`);
      }
    }

    await migration.up(db as never);
    for (const [name, columns] of Object.entries(INDEXES)) t.same(await indexColumns(db, name), columns, `up restores ${name}`);
  });
}
