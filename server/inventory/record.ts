// Rolls sightings up into the inventory. A batch is first reduced in memory (one raw row per
// (destination key, host, day, source), one aggregate per destination key), then written in one
// transaction: raw rows upserted; each aggregate's hosts count and days seen grow only by the
// hosts and days the raw table did not hold yet, so replaying a batch changes nothing but hits.
import { sql } from 'kysely';
import { fromDbJson, fromDbTime, toDbJson, toDbTime } from '../db/columns.js';
import type { Database } from '../db/schema.js';
import { dayOf } from './destination.js';
import type { Sighting } from './sighting.js';
import type { Judge } from './verdict.js';

export const HOSTS_SAMPLE = 10;
export const PROCESSES_KEPT = 10;
export const ADDRESSES_KEPT = 16;

interface RawGroup {
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
  raws: RawGroup[];
}

const keyOf = (s: { site: string; role: string; destination: string; port: number; protocol: string; direction: string }) =>
  `${s.site}\u0000${s.role}\u0000${s.destination}\u0000${s.port}\u0000${s.protocol}\u0000${s.direction}`;

const bump = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

/** Keeps the `n` largest counts. */
function topCounts(map: Map<string, number>, n: number): Record<string, number> {
  return Object.fromEntries([...map.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n));
}

/** Reduces sightings in memory: what one transaction writes. */
export function reduceSightings(sightings: Iterable<Sighting>): Map<string, Aggregate> {
  const aggregates = new Map<string, Aggregate>();
  const raws = new Map<string, RawGroup>();
  for (const s of sightings) {
    const key = keyOf(s);
    let agg = aggregates.get(key);
    if (!agg) {
      agg = { site: s.site, role: s.role, destination: s.destination, kind: s.kind, domain: s.domain, port: s.port, protocol: s.protocol, direction: s.direction, first: s.at, last: s.at, hosts: new Set(), days: new Set(), processes: new Map(), sources: new Map(), addresses: new Set(), raws: [] };
      aggregates.set(key, agg);
    }
    const day = dayOf(s.at);
    if (s.at < agg.first) agg.first = s.at;
    if (s.at > agg.last) agg.last = s.at;
    agg.hosts.add(s.host_key);
    agg.days.add(day);
    if (s.process !== null) bump(agg.processes, s.process);
    bump(agg.sources, s.name_source === null ? s.source : `${s.source}:${s.name_source}`);
    if (s.address !== null && agg.addresses.size < ADDRESSES_KEPT) agg.addresses.add(s.address);
    const rawKey = `${key}\u0000${s.host_key}\u0000${day}\u0000${s.source}`;
    const raw = raws.get(rawKey);
    if (raw) {
      raw.hits += 1;
      if (s.at < raw.first) raw.first = s.at;
      if (s.at > raw.last) raw.last = s.at;
      raw.process ??= s.process;
    } else {
      const group: RawGroup = { site: s.site, role: s.role, destination: s.destination, port: s.port, protocol: s.protocol, direction: s.direction, host_key: s.host_key, day, source: s.source, process: s.process, first: s.at, last: s.at, hits: 1 };
      raws.set(rawKey, group);
      agg.raws.push(group);
    }
  }
  return aggregates;
}

const CHUNK = 200;

function chunks<T>(list: readonly T[], size = CHUNK): T[][] {
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

/** Writes reduced sightings with the caller's transaction (so a caller can commit its own progress with them). */
export async function writeAggregates(trx: Database, aggregates: ReadonlyMap<string, Aggregate>, judge: Judge): Promise<void> {
  for (const agg of aggregates.values()) await writeAggregate(trx, agg, judge);
}

async function writeAggregate(trx: Database, agg: Aggregate, judge: Judge): Promise<void> {
  const pk = { site: agg.site, role: agg.role, destination: agg.destination, port: agg.port, protocol: agg.protocol, direction: agg.direction };
  const scoped = trx
    .selectFrom('inventory_sightings')
    .where('site', '=', pk.site)
    .where('role', '=', pk.role)
    .where('destination', '=', pk.destination)
    .where('port', '=', pk.port)
    .where('protocol', '=', pk.protocol)
    .where('direction', '=', pk.direction);
  const knownHosts = new Set<string>();
  for (const part of chunks([...agg.hosts], 500)) {
    for (const row of await scoped.select('host_key').distinct().where('host_key', 'in', part).execute()) knownHosts.add(row.host_key);
  }
  const knownDays = new Set((await scoped.select('day').distinct().where('day', 'in', [...agg.days]).execute()).map((r) => r.day));
  const newHosts = [...agg.hosts].filter((h) => !knownHosts.has(h));
  const newDays = [...agg.days].filter((d) => !knownDays.has(d));

  for (const part of chunks(agg.raws)) {
    await trx
      .insertInto('inventory_sightings')
      .values(part.map((r) => ({ site: r.site, role: r.role, destination: r.destination, port: r.port, protocol: r.protocol, direction: r.direction, host_key: r.host_key, day: r.day, source: r.source, process: r.process, first_seen: toDbTime(r.first), last_seen: toDbTime(r.last), hits: r.hits })))
      .onConflict((oc) =>
        oc.columns(['site', 'role', 'destination', 'port', 'protocol', 'direction', 'host_key', 'day', 'source']).doUpdateSet({
          hits: sql`inventory_sightings.hits + excluded.hits`,
          first_seen: sql`CASE WHEN excluded.first_seen < inventory_sightings.first_seen THEN excluded.first_seen ELSE inventory_sightings.first_seen END`,
          last_seen: sql`CASE WHEN excluded.last_seen > inventory_sightings.last_seen THEN excluded.last_seen ELSE inventory_sightings.last_seen END`,
        }),
      )
      .execute();
  }

  const existing = await trx
    .selectFrom('inventory_destinations')
    .selectAll()
    .where('site', '=', pk.site)
    .where('role', '=', pk.role)
    .where('destination', '=', pk.destination)
    .where('port', '=', pk.port)
    .where('protocol', '=', pk.protocol)
    .where('direction', '=', pk.direction)
    .executeTakeFirst();
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
  const lastDay = [...agg.days, existing?.last_day ?? ''].sort().at(-1) ?? dayOfLast(last);
  const judged = judge.judge({ ...pk, kind: agg.kind, addresses, hosts_sample: sample });
  const values = {
    kind: agg.kind,
    domain: agg.domain,
    internal: judged.verdict === 'internal' ? 1 : 0,
    hosts_count: (existing?.hosts_count ?? 0) + newHosts.length,
    hosts_sample: toDbJson(sample),
    processes: toDbJson(topCounts(processes, PROCESSES_KEPT)),
    sources: toDbJson(topCounts(sources, 32)),
    addresses: toDbJson(addresses),
    first_seen: toDbTime(first),
    last_seen: toDbTime(last),
    days_seen: (existing?.days_seen ?? 0) + newDays.length,
    last_day: lastDay,
    verdict: judged.verdict,
    verdict_entry: judged.entry,
    verdict_reason: judged.reason.slice(0, 1000),
  };
  if (existing) {
    await trx
      .updateTable('inventory_destinations')
      .set(values)
      .where('site', '=', pk.site)
      .where('role', '=', pk.role)
      .where('destination', '=', pk.destination)
      .where('port', '=', pk.port)
      .where('protocol', '=', pk.protocol)
      .where('direction', '=', pk.direction)
      .execute();
  } else {
    await trx.insertInto('inventory_destinations').values({ ...pk, ...values }).execute();
  }
}

function dayOfLast(iso: string): string {
  return iso.slice(0, 10);
}
