// Reading the inventory: filters, keyset paging (ordered by site, role, destination, port,
// protocol, direction; the cursor is the last row's key, opaque to clients), one row, CSV.
import { Type, type Static } from 'typebox';
import { fromDbJson, fromDbTime } from '../db/columns.js';
import type { SelectQueryBuilder } from 'kysely';
import { keyset, keysetPage, type KeysetKey } from '../db/keyset.js';
import type { Database, Tables } from '../db/schema.js';
import { INVENTORY_VERDICTS, type InventoryVerdict } from './verdict.js';

const strict = { additionalProperties: false } as const;

export const InventoryRowSchema = Type.Object(
  {
    site: Type.String(),
    role: Type.String(),
    destination: Type.String(),
    kind: Type.String(),
    domain: Type.Union([Type.String(), Type.Null()]),
    port: Type.Integer(),
    protocol: Type.String(),
    direction: Type.String(),
    hosts_count: Type.Integer(),
    hosts_sample: Type.Array(Type.String()),
    processes: Type.Record(Type.String(), Type.Integer()),
    sources: Type.Record(Type.String(), Type.Integer()),
    addresses: Type.Array(Type.String()),
    first_seen: Type.String(),
    last_seen: Type.String(),
    days_seen: Type.Integer(),
    verdict: Type.Enum(INVENTORY_VERDICTS),
    verdict_entry: Type.Union([Type.String(), Type.Null()]),
    verdict_reason: Type.String(),
  },
  strict,
);
export type InventoryRow = Static<typeof InventoryRowSchema>;

export const InventoryFilterSchema = Type.Object(
  {
    site: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' })),
    role: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    verdict: Type.Optional(Type.Enum(INVENTORY_VERDICTS)),
    /** Only destinations NET-01 does not allow (unlisted and name_unknown): "hors liste blanche". */
    unlisted: Type.Optional(Type.Boolean()),
    /** Substring of the destination or its registrable domain. */
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    domain: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  strict,
);
export type InventoryFilter = Static<typeof InventoryFilterSchema>;

type Row = Awaited<ReturnType<typeof baseQuery>>[number];

/**
 * The inventory's order, its primary key: site, role, destination, port, protocol, direction.
 * One direction throughout, so the seek is a row-value comparison (SQLite >= 3.15, PostgreSQL):
 * both seek the primary key's index to the cursor; the equivalent OR of prefixes made SQLite scan
 * the site from its start on every page.
 */
export const INVENTORY_ORDER = keyset<Row>([
  { column: 'site', direction: 'asc', kind: 'text', of: (r) => r.site },
  { column: 'role', direction: 'asc', kind: 'text', of: (r) => r.role },
  { column: 'destination', direction: 'asc', kind: 'text', of: (r) => r.destination },
  { column: 'port', direction: 'asc', kind: 'integer', of: (r) => r.port },
  { column: 'protocol', direction: 'asc', kind: 'text', of: (r) => r.protocol },
  { column: 'direction', direction: 'asc', kind: 'text', of: (r) => r.direction },
]);

function baseQuery(db: Database) {
  return db.selectFrom('inventory_destinations').selectAll().execute();
}

export function toInventoryRow(row: Row): InventoryRow {
  return {
    site: row.site,
    role: row.role,
    destination: row.destination,
    kind: row.kind,
    domain: row.domain,
    port: row.port,
    protocol: row.protocol,
    direction: row.direction,
    hosts_count: row.hosts_count,
    hosts_sample: fromDbJson(row.hosts_sample) as string[],
    processes: fromDbJson(row.processes) as Record<string, number>,
    sources: fromDbJson(row.sources) as Record<string, number>,
    addresses: fromDbJson(row.addresses) as string[],
    first_seen: fromDbTime(row.first_seen),
    last_seen: fromDbTime(row.last_seen),
    days_seen: row.days_seen,
    verdict: row.verdict as InventoryVerdict,
    verdict_entry: row.verdict_entry,
    verdict_reason: row.verdict_reason,
  };
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The filter's conditions on a query of inventory_destinations (shared by the list and the dashboard's groupings). */
export function filterInventory<O>(query: SelectQueryBuilder<Tables, 'inventory_destinations', O>, filter: InventoryFilter): SelectQueryBuilder<Tables, 'inventory_destinations', O> {
  let q = query;
  if (filter.site !== undefined) q = q.where('site', '=', filter.site);
  if (filter.role !== undefined) q = q.where('role', '=', filter.role);
  if (filter.verdict !== undefined) q = q.where('verdict', '=', filter.verdict);
  if (filter.unlisted === true) q = q.where('verdict', 'in', ['unlisted', 'name_unknown']);
  if (filter.domain !== undefined) q = q.where('domain', '=', filter.domain.toLowerCase());
  if (filter.q !== undefined) {
    const like = `%${escapeLike(filter.q.toLowerCase())}%`;
    q = q.where((eb) => eb.or([eb('destination', 'like', like), eb('domain', 'like', like)]));
  }
  if (filter.source !== undefined) {
    const like = `%"${escapeLike(filter.source)}%`;
    q = q.where((eb) => eb(eb.cast('sources', 'text'), 'like', like));
  }
  return q;
}

/**
 * One page of rows after `cursor`; `next` is the cursor of the page after, null at the end.
 * A cursor this server did not write throws CursorError (the API answers 400).
 */
export async function listInventory(db: Database, filter: InventoryFilter, limit: number, cursor?: string): Promise<{ rows: InventoryRow[]; next: string | null }> {
  const after = cursor === undefined ? null : INVENTORY_ORDER.decode(cursor);
  const page = await keysetPage(
    (from: KeysetKey | null, count) => INVENTORY_ORDER.seek(filterInventory(db.selectFrom('inventory_destinations').selectAll(), filter), from).limit(count).execute(),
    INVENTORY_ORDER.keyOf,
    { after, limit },
  );
  return { rows: page.rows.map(toInventoryRow), next: page.next === null ? null : INVENTORY_ORDER.encode(page.next) };
}

/** Every row of a filter, page by page (exports): bounded memory. */
export async function* allInventoryRows(db: Database, filter: InventoryFilter, pageSize = 1000): AsyncGenerator<InventoryRow> {
  let cursor: string | undefined;
  for (;;) {
    const page = await listInventory(db, filter, pageSize, cursor);
    yield* page.rows;
    if (page.next === null) return;
    cursor = page.next;
  }
}

export const CSV_COLUMNS = ['site', 'role', 'destination', 'kind', 'domain', 'port', 'protocol', 'direction', 'hosts_count', 'days_seen', 'first_seen', 'last_seen', 'verdict', 'verdict_entry', 'processes', 'sources'] as const;

/** A CSV cell: quoted when needed, and a leading = + - @ neutralised (spreadsheet formula injection). */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : typeof value === 'object' ? Object.keys(value as object).join(' ') : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(row: InventoryRow): string {
  return CSV_COLUMNS.map((c) => csvCell(row[c])).join(',');
}
