// Reading the inventory: filters, keyset paging (ordered by site, role, destination, port,
// protocol, direction; the cursor is the last row's key, opaque to clients), one row, CSV.
import { Type, type Static } from 'typebox';
import { fromDbJson, fromDbTime } from '../db/columns.js';
import { sql, type SelectQueryBuilder } from 'kysely';
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

interface Key {
  site: string;
  role: string;
  destination: string;
  port: number;
  protocol: string;
  direction: string;
}

export class CursorError extends Error {}

export function encodeCursor(key: Key): string {
  return Buffer.from(JSON.stringify([key.site, key.role, key.destination, key.port, key.protocol, key.direction])).toString('base64url');
}

export function decodeCursor(text: string): Key {
  try {
    const [site, role, destination, port, protocol, direction] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if ([site, role, destination, protocol, direction].every((v) => typeof v === 'string') && Number.isInteger(port)) {
      return { site, role, destination, port, protocol, direction } as Key;
    }
  } catch {
    // fall through
  }
  throw new CursorError('invalid cursor');
}

type Row = Awaited<ReturnType<typeof baseQuery>>[number];
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

/** One page of rows after `cursor`; `next` is the cursor of the page after, null at the end. */
export async function listInventory(db: Database, filter: InventoryFilter, limit: number, cursor?: string): Promise<{ rows: InventoryRow[]; next: string | null }> {
  let q = filterInventory(db.selectFrom('inventory_destinations').selectAll(), filter);
  if (cursor !== undefined) {
    const k = decodeCursor(cursor);
    // A row-value comparison (SQLite >= 3.15, PostgreSQL): both seek the primary key's index to the
    // cursor; the equivalent OR of prefixes made SQLite scan the site from its start on every page.
    q = q.where(sql<boolean>`(site, role, destination, port, protocol, direction) > (${k.site}, ${k.role}, ${k.destination}, ${k.port}, ${k.protocol}, ${k.direction})`);
  }
  const rows = await q.orderBy('site').orderBy('role').orderBy('destination').orderBy('port').orderBy('protocol').orderBy('direction').limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page.map(toInventoryRow), next: rows.length > limit && last ? encodeCursor(last) : null };
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
