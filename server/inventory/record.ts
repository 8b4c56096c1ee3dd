// Rolls sightings up into the inventory. A batch is first reduced in memory (one raw row per
// (destination key, host, day, source), one aggregate per destination key), then written in one
// transaction with multi-row statements (a few per thousand rows, never a round trip per
// destination): raw rows upserted; each aggregate's hosts count and days seen grow only by the
// hosts and days the raw table did not hold yet, so replaying a batch changes nothing but hits.
import { sql, type Insertable, type Selectable } from 'kysely';
import { dialectOf, fromDbJson, fromDbTime, toDbJson, toDbTime } from '../db/columns.js';
import type { Database, InventoryDestinationsTable } from '../db/schema.js';
import { dayOf } from './destination.js';
import type { Sighting } from './sighting.js';
import type { Judge, JudgedRow, RowToJudge } from './verdict.js';

export const HOSTS_SAMPLE = 10;
export const PROCESSES_KEPT = 10;
export const ADDRESSES_KEPT = 16;

/** One row of the raw-sightings table. */
export interface RawRow {
  site: string;
  role: string;
  destination: string;
  port: number;
  protocol: string;
  direction: string;
  host_key: string;
  day: string;
  source: string;
  process: string | null;
  first: string;
  last: string;
  hits: number;
}

export interface Aggregate {
  site: string;
  role: string;
  destination: string;
  kind: 'name' | 'address';
  domain: string | null;
  port: number;
  protocol: string;
  direction: string;
  first: string;
  last: string;
  hosts: Set<string>;
  days: Set<string>;
  processes: Map<string, number>;
  sources: Map<string, number>;
  addresses: Set<string>;
  raws: RawRow[];
}

const keyOf = (s: { site: string; role: string; destination: string; port: number; protocol: string; direction: string }) =>
  `${s.site}\u0000${s.role}\u0000${s.destination}\u0000${s.port}\u0000${s.protocol}\u0000${s.direction}`;

const bump = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

/** Keeps the `n` largest counts. */
function topCounts(map: Map<string, number>, n: number): Record<string, number> {
  return Object.fromEntries([...map.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n));
}

/**
 * Sightings reduced in memory: what one transaction writes. `add` takes a group of sightings
 * at once (the proxy importer counts a log's lines per client, destination, port and day first),
 * so a batch costs one entry per raw row, not one per line.
 */
export class SightingRollup {
  readonly aggregates = new Map<string, Aggregate>();
  private readonly raws = new Map<string, RawRow>();

  /** Raw rows held (what bounds a batch's memory). */
  get size(): number {
    return this.raws.size;
  }

  /** Adds `hits` sightings like `s`, the first at `s.at` and the last at `last` (the same UTC day). */
  add(s: Sighting, hits = 1, last = s.at): void {
    const key = keyOf(s);
    const agg = this.aggregateOf(key, s, s.at, last);
    const day = dayOf(s.at);
    agg.hosts.add(s.host_key);
    agg.days.add(day);
    if (s.process !== null) bump(agg.processes, s.process, hits);
    bump(agg.sources, s.name_source === null ? s.source : `${s.source}:${s.name_source}`, hits);
    if (s.address !== null && agg.addresses.size < ADDRESSES_KEPT) agg.addresses.add(s.address);
    this.addRaw(agg, key, s.host_key, day, s.source, s.process, s.at, last, hits);
  }

  private aggregateOf(key: string, s: { site: string; role: string; destination: string; kind: 'name' | 'address'; domain: string | null; port: number; protocol: string; direction: string }, first: string, last: string): Aggregate {
    let agg = this.aggregates.get(key);
    if (!agg) {
      agg = { site: s.site, role: s.role, destination: s.destination, kind: s.kind, domain: s.domain, port: s.port, protocol: s.protocol, direction: s.direction, first, last, hosts: new Set(), days: new Set(), processes: new Map(), sources: new Map(), addresses: new Set(), raws: [] };
      this.aggregates.set(key, agg);
    } else {
      if (first < agg.first) agg.first = first;
      if (last > agg.last) agg.last = last;
    }
    return agg;
  }

  private addRaw(agg: Aggregate, key: string, host_key: string, day: string, source: string, process: string | null, first: string, last: string, hits: number): void {
    const rawKey = `${key}\u0000${host_key}\u0000${day}\u0000${source}`;
    const raw = this.raws.get(rawKey);
    if (raw) {
      raw.hits += hits;
      if (first < raw.first) raw.first = first;
      if (last > raw.last) raw.last = last;
      raw.process ??= process;
    } else {
      const group: RawRow = { site: agg.site, role: agg.role, destination: agg.destination, port: agg.port, protocol: agg.protocol, direction: agg.direction, host_key, day, source, process, first, last, hits };
      this.raws.set(rawKey, group);
      agg.raws.push(group);
    }
  }
}

/** Reduces sightings in memory: what one transaction writes. */
export function reduceSightings(sightings: Iterable<Sighting>): Map<string, Aggregate> {
  const rollup = new SightingRollup();
  for (const s of sightings) rollup.add(s);
  return rollup.aggregates;
}

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

function asCounts(value: unknown): Map<string, number> {
  const v = fromDbJson(value);
  return new Map(typeof v === 'object' && v !== null ? Object.entries(v as Record<string, number>).filter(([, n]) => typeof n === 'number') : []);
}

function asList(value: unknown): string[] {
  const v = fromDbJson(value);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Writes a batch in its own transaction; returns how many destinations it touched. */
export async function recordSightings(db: Database, sightings: Iterable<Sighting>, judge: Judge): Promise<number> {
  const aggregates = reduceSightings(sightings);
  if (aggregates.size === 0) return 0;
  await db.transaction().execute((trx) => writeAggregates(trx, aggregates, judge));
  return aggregates.size;
}

// Statement sizes: rows per multi-row statement, under SQLite's 32,766 and PostgreSQL's 65,535
// bound parameters.
/** Raw rows per statement, sent as one JSON parameter (see upsertRaws). */
export const RAW_ROWS_PER_STATEMENT = 2000;
const ROLLUP_ROWS_PER_UPSERT = 400;
const KEYS_PER_SELECT = 500;
const PAIRS_PER_SELECT = 1000;

type ExistingRow = Selectable<InventoryDestinationsTable>;

/** Aggregates grouped by the key columns a statement can fix with `=`. */
function groupBy<K extends string>(list: readonly Aggregate[], of: (a: Aggregate) => K): Map<K, Aggregate[]> {
  const out = new Map<K, Aggregate[]>();
  for (const a of list) {
    const k = of(a);
    const g = out.get(k);
    if (g) g.push(a);
    else out.set(k, [a]);
  }
  return out;
}

/** The roll-up rows the batch touches that exist already, by aggregate key. */
async function existingRows(trx: Database, list: readonly Aggregate[]): Promise<Map<string, ExistingRow>> {
  const out = new Map<string, ExistingRow>();
  for (const group of groupBy(list, (a) => `${a.site}\u0000${a.role}\u0000${a.protocol}\u0000${a.direction}`).values()) {
    const first = group[0]!;
    const wanted = new Set(group.map(keyOf));
    for (const part of chunks([...new Set(group.map((a) => a.destination))], KEYS_PER_SELECT)) {
      const rows = await trx
        .selectFrom('inventory_destinations')
        .selectAll()
        .where('site', '=', first.site)
        .where('role', '=', first.role)
        .where('protocol', '=', first.protocol)
        .where('direction', '=', first.direction)
        .where('destination', 'in', part)
        .execute();
      for (const row of rows) {
        const key = keyOf(row);
        if (wanted.has(key)) out.set(key, row);
      }
    }
  }
  return out;
}

/**
 * Which (aggregate, value) pairs the raw table holds already, for `column` = host_key or day: one
 * statement per (site, role, port, protocol, direction) and chunk, its pairs sent as one JSON
 * parameter joined to the raw table. The join makes SQLite seek the raw table's key once per
 * pair (site, role, destination, port, protocol, direction, host_key); the `(destination,
 * column) IN (VALUES ...)` this replaced was planned as a scan of the whole (site, role) for
 * each statement, which made every commit of a large import slower than the last. Returns
 * `aggregate key \0 value`.
 */
async function knownPairs(trx: Database, column: 'host_key' | 'day', pairs: ReadonlyArray<readonly [Aggregate, string]>): Promise<Set<string>> {
  const known = new Set<string>();
  const postgres = dialectOf(trx) === 'postgres';
  const byScope = new Map<string, Array<readonly [Aggregate, string]>>();
  for (const pair of pairs) {
    const a = pair[0];
    const k = `${a.site}\u0000${a.role}\u0000${a.port}\u0000${a.protocol}\u0000${a.direction}`;
    const g = byScope.get(k);
    if (g) g.push(pair);
    else byScope.set(k, [pair]);
  }
  const value = sql.ref(`s.${column}`);
  for (const group of byScope.values()) {
    const first = group[0]![0];
    const scope = sql`s.site = ${first.site} AND s.role = ${first.role} AND s.port = ${first.port} AND s.protocol = ${first.protocol} AND s.direction = ${first.direction}`;
    for (const part of chunks(group, PAIRS_PER_SELECT)) {
      const json = JSON.stringify(part.map(([a, v]) => [a.destination, v]));
      const query = postgres
        ? sql<{ destination: string; value: string }>`SELECT DISTINCT s.destination, ${value} AS value FROM json_array_elements(${json}::json) AS q CROSS JOIN inventory_sightings AS s
            WHERE ${scope} AND s.destination = q->>0 AND ${value} = q->>1`
        : sql<{ destination: string; value: string }>`SELECT DISTINCT s.destination, ${value} AS value FROM json_each(${json}) AS q CROSS JOIN inventory_sightings AS s
            WHERE ${scope} AND s.destination = q.value->>0 AND ${value} = q.value->>1`;
      const { rows } = await query.execute(trx);
      for (const row of rows) known.add(`${keyOf({ ...first, destination: row.destination })}\u0000${row.value}`);
    }
  }
  return known;
}

/** Code-unit order of two texts (the raw table's key order, for the ASCII its keys hold). */
export const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** The raw table's key order, on the aggregate's columns. */
const byKey = (a: Aggregate, b: Aggregate) => compareText(a.site, b.site) || compareText(a.role, b.role) || compareText(a.destination, b.destination) || a.port - b.port || compareText(a.protocol, b.protocol) || compareText(a.direction, b.direction);
/** The raw table's key order within one aggregate. */
const byHostDay = (a: RawRow, b: RawRow) => compareText(a.host_key, b.host_key) || compareText(a.day, b.day) || compareText(a.source, b.source);

const CANONICAL_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
/** toDbTime, without parsing again a time already in the form it writes (every proxy group's, most reports'). */
const dbTime = (iso: string) => (CANONICAL_TIME.test(iso) ? iso : toDbTime(iso));

/**
 * Upserts raw rows, RAW_ROWS_PER_STATEMENT per statement, each statement's rows sent as one JSON
 * array parameter that the database expands (SQLite json_each, PostgreSQL json_array_elements):
 * building a statement then costs one JSON.stringify instead of a query-builder node per value,
 * which was most of the time and most of the garbage of a proxy-log commit (13 per row).
 */
async function upsertRaws(trx: Database, parts: Iterable<readonly RawRow[]>): Promise<void> {
  const postgres = dialectOf(trx) === 'postgres';
  for (const part of parts) {
    const json = JSON.stringify(part.map((r) => [r.site, r.role, r.destination, r.port, r.protocol, r.direction, r.host_key, r.day, r.source, r.process, dbTime(r.first), dbTime(r.last), r.hits]));
    const rows = postgres
      ? sql`SELECT v->>0, v->>1, v->>2, (v->>3)::integer, v->>4, v->>5, v->>6, v->>7, v->>8, v->>9, (v->>10)::timestamptz, (v->>11)::timestamptz, (v->>12)::integer FROM json_array_elements(${json}::json) AS v`
      : // "WHERE true": without it SQLite reads ON CONFLICT as a join constraint of the SELECT.
        sql`SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, value->>8, value->>9, value->>10, value->>11, value->>12 FROM json_each(${json}) WHERE true`;
    await sql`INSERT INTO inventory_sightings (site, role, destination, port, protocol, direction, host_key, day, source, process, first_seen, last_seen, hits) ${rows}
      ON CONFLICT (site, role, destination, port, protocol, direction, host_key, day, source) DO UPDATE SET
        hits = inventory_sightings.hits + excluded.hits,
        first_seen = CASE WHEN excluded.first_seen < inventory_sightings.first_seen THEN excluded.first_seen ELSE inventory_sightings.first_seen END,
        last_seen = CASE WHEN excluded.last_seen > inventory_sightings.last_seen THEN excluded.last_seen ELSE inventory_sightings.last_seen END`.execute(trx);
  }
}

/**
 * Writes reduced sightings with the caller's transaction (so a caller can commit its own
 * progress with them), in a bounded number of statements per batch whatever its size:
 *
 * 1. the roll-up rows the batch touches are read (one statement per 500 destinations);
 * 2. the hosts and days the raw table already holds are looked up only where the roll-up row
 *    cannot tell: a new row has none (raw rows are only written with their roll-up row); a row
 *    whose sample holds all of its hosts (fewer than HOSTS_SAMPLE) names them; a day after the
 *    row's last day or before its first is new, and its first and last days were seen;
 * 3. raw rows are upserted 2,000 per statement (in key order, from `rawRows` when the caller
 *    builds them as they are written), roll-up rows 400 per statement.
 */
export async function writeAggregates(trx: Database, aggregates: ReadonlyMap<string, Aggregate>, judge: Judge, rawRows?: () => Iterable<readonly RawRow[]>): Promise<void> {
  if (aggregates.size === 0) return;
  const list = [...aggregates.values()];
  const existing = await existingRows(trx, list);

  const hostQuestions: Array<readonly [Aggregate, string]> = [];
  const dayQuestions: Array<readonly [Aggregate, string]> = [];
  const knownHostsFromRow = new Map<string, Set<string>>();
  for (const agg of list) {
    const key = keyOf(agg);
    const row = existing.get(key);
    if (row === undefined) continue;
    const sample = asList(row.hosts_sample);
    if (sample.length < HOSTS_SAMPLE && Number(row.hosts_count) === sample.length) knownHostsFromRow.set(key, new Set(sample));
    else for (const h of agg.hosts) hostQuestions.push([agg, h]);
    const firstDay = dayOf(fromDbTime(row.first_seen));
    for (const d of agg.days) if (d > firstDay && d < row.last_day) dayQuestions.push([agg, d]);
  }
  const knownHosts = await knownPairs(trx, 'host_key', hostQuestions);
  const knownDays = await knownPairs(trx, 'day', dayQuestions);

  // In key order: each B-tree page of the raw table's key is then visited once per batch, not
  // once per row (SQLite wrote about a third more rows per second so).
  await upsertRaws(trx, rawRows?.() ?? chunks([...list].sort(byKey).flatMap((a) => a.raws.sort(byHostDay)), RAW_ROWS_PER_STATEMENT));

  const rows = list.map((agg) => {
    const key = keyOf(agg);
    const row = existing.get(key);
    const fromRow = knownHostsFromRow.get(key);
    const isKnownHost = (h: string) => (fromRow !== undefined ? fromRow.has(h) : knownHosts.has(`${key}\u0000${h}`));
    const newHosts = row === undefined ? [...agg.hosts] : [...agg.hosts].filter((h) => !isKnownHost(h));
    const newDays = row === undefined ? [...agg.days] : [...agg.days].filter((d) => d > row.last_day || d < dayOf(fromDbTime(row.first_seen)) || (d !== row.last_day && d !== dayOf(fromDbTime(row.first_seen)) && !knownDays.has(`${key}\u0000${d}`)));
    return rollupRow(agg, row, newHosts, newDays, judge);
  });
  for (const part of chunks(rows, ROLLUP_ROWS_PER_UPSERT)) {
    await trx
      .insertInto('inventory_destinations')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['site', 'role', 'destination', 'port', 'protocol', 'direction']).doUpdateSet((eb) => ({
          kind: eb.ref('excluded.kind'),
          domain: eb.ref('excluded.domain'),
          internal: eb.ref('excluded.internal'),
          hosts_count: eb.ref('excluded.hosts_count'),
          hosts_sample: eb.ref('excluded.hosts_sample'),
          processes: eb.ref('excluded.processes'),
          sources: eb.ref('excluded.sources'),
          addresses: eb.ref('excluded.addresses'),
          first_seen: eb.ref('excluded.first_seen'),
          last_seen: eb.ref('excluded.last_seen'),
          days_seen: eb.ref('excluded.days_seen'),
          last_day: eb.ref('excluded.last_day'),
          verdict: eb.ref('excluded.verdict'),
          verdict_entry: eb.ref('excluded.verdict_entry'),
          verdict_reason: eb.ref('excluded.verdict_reason'),
        })),
      )
      .execute();
  }
}

/** Verdicts already computed by a judge (a judge answers the same for the same row: its packs and clock are fixed). */
const verdictMemos = new WeakMap<Judge, Map<string, JudgedRow>>();
const VERDICTS_KEPT = 100_000;

/** judge.judge, memoised per judge: an import judges the same rows batch after batch. */
function judgeRow(judge: Judge, row: RowToJudge): JudgedRow {
  let memo = verdictMemos.get(judge);
  if (memo === undefined) verdictMemos.set(judge, (memo = new Map()));
  const key = `${keyOf(row)}\u0000${row.kind}\u0000${row.addresses.join(' ')}\u0000${row.hosts_sample.join(' ')}`;
  let judged = memo.get(key);
  if (judged === undefined) {
    judged = judge.judge(row);
    if (memo.size >= VERDICTS_KEPT) memo.clear();
    memo.set(key, judged);
  }
  return judged;
}

/** The roll-up row after the batch: the stored one (if any) grown by what the batch adds. */
function rollupRow(agg: Aggregate, existing: ExistingRow | undefined, newHosts: readonly string[], newDays: readonly string[], judge: Judge): Insertable<InventoryDestinationsTable> {
  const pk = { site: agg.site, role: agg.role, destination: agg.destination, port: agg.port, protocol: agg.protocol, direction: agg.direction };
  const processes = existing ? asCounts(existing.processes) : new Map<string, number>();
  for (const [p, n] of agg.processes) bump(processes, p, n);
  const sources = existing ? asCounts(existing.sources) : new Map<string, number>();
  for (const [s, n] of agg.sources) bump(sources, s, n);
  const addresses = existing ? asList(existing.addresses) : [];
  for (const a of agg.addresses) if (!addresses.includes(a) && addresses.length < ADDRESSES_KEPT) addresses.push(a);
  const sample = existing ? asList(existing.hosts_sample) : [];
  for (const h of newHosts) if (sample.length < HOSTS_SAMPLE && !sample.includes(h)) sample.push(h);
  const first = existing && fromDbTime(existing.first_seen) < agg.first ? fromDbTime(existing.first_seen) : agg.first;
  const last = existing && fromDbTime(existing.last_seen) > agg.last ? fromDbTime(existing.last_seen) : agg.last;
  const lastDay = [...agg.days, existing?.last_day ?? ''].sort().at(-1) ?? dayOf(last);
  const judged = judgeRow(judge, { ...pk, kind: agg.kind, addresses, hosts_sample: sample });
  return {
    ...pk,
    kind: agg.kind,
    domain: agg.domain,
    internal: judged.verdict === 'internal' ? 1 : 0,
    hosts_count: Number(existing?.hosts_count ?? 0) + newHosts.length,
    hosts_sample: toDbJson(sample),
    processes: toDbJson(topCounts(processes, PROCESSES_KEPT)),
    sources: toDbJson(topCounts(sources, 32)),
    addresses: toDbJson(addresses),
    first_seen: dbTime(first),
    last_seen: dbTime(last),
    days_seen: Number(existing?.days_seen ?? 0) + newDays.length,
    last_day: lastDay,
    verdict: judged.verdict,
    verdict_entry: judged.entry,
    verdict_reason: judged.reason.slice(0, 1000),
  };
}
