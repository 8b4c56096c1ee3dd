// Importing a proxy log, streaming and resumable with bounded memory. Bytes are read in chunks;
// every `batchLines` lines the reduced sightings are written together with the byte offset of
// the first line not yet imported, in one transaction: after a crash or a refused request the
// import resumes at that offset, and no line is counted twice. A trailing partial line is never
// imported (its bytes are re-sent or re-read). Client addresses are mapped to hosts from the
// addresses agents report; an address no agent reports is kept as `unmapped:<address>` under
// the proxy's site, never attributed to a host.
import { canonicalIp } from '../../../policies/allowlist.js';
import { toDbTime } from '../../db/columns.js';
import type { Database } from '../../db/schema.js';
import { canonicalDestination, detachedString, type CanonicalDestination } from '../destination.js';
import { loadHostAddresses, type MappedHost } from '../host-addresses.js';
import { RAW_ROWS_PER_STATEMENT, writeAggregates, type Aggregate, type RawRow } from '../record.js';
import type { Judge } from '../verdict.js';
import { parseSquidLine } from './parse-squid.js';
import { parseStormshieldLine } from './parse-stormshield.js';
import type { ProxyFormat, ProxyLineParser } from './proxy-line.js';

export const PARSERS: Record<ProxyFormat, ProxyLineParser> = { squid: parseSquidLine, stormshield: parseStormshieldLine };
/** Lines longer than this are refused as invalid (and skipped), so one line cannot hold memory. */
export const MAX_LINE_BYTES = 64 * 1024;
/** Lines per transaction: what a crash re-reads at most. */
export const BATCH_LINES = 500_000;
/** Groups held in memory before a commit, whatever the lines (about 25 MB of them). */
export const MAX_GROUPS = 100_000;

export interface ImportProgress {
  stream: string;
  format: ProxyFormat;
  /** Byte offset of the first line not imported yet. */
  offset: number;
  lines: number;
  imported: number;
  denied: number;
  rejected: number;
  unmapped: number;
}

export interface ImportOptions {
  db: Database;
  judge: Judge;
  stream: string;
  format: ProxyFormat;
  /** The proxy's site: where unmapped clients are filed. */
  site: string;
  /** File identity (see cli), '' for a shipper stream. */
  identity: string;
  /** Offset of the input's first byte in the stream. */
  startOffset: number;
  /** Lines per transaction (default BATCH_LINES). */
  batchLines?: number;
  /** Most (client, destination, port, day) groups held before a commit (default MAX_GROUPS): bounds memory. */
  maxGroups?: number;
}

/** A client as mapped; `slot` is its raw-table identity (host key, site, role), computed once. */
type Client = { key: string; site: string; role: string; slot: string };

/** One (client, destination, port, UTC day) of the log: its lines, SNI-named ones, first and last. */
interface LineGroup {
  client: Client;
  destination: CanonicalDestination;
  clientSlot: number;
  destinationSlot: number;
  port: number;
  /** UTC day number (ms since the epoch / DAY_MS). */
  day: number;
  first: number;
  last: number;
  hits: number;
  sni: number;
  /** The next group of the same client and destination (another port or day), usually none. */
  next: LineGroup | undefined;
}

const DAY_MS = 86_400_000;
const MAX_TIME_MS = 8.64e15;

/** The stored progress of a stream, or null. */
export async function importProgress(db: Database, stream: string): Promise<{ offset: number; identity: string; format: string; lines: number; rejected: number; unmapped: number } | null> {
  const row = await db.selectFrom('proxy_log_imports').selectAll().where('stream', '=', stream).executeTakeFirst();
  return row ? { offset: Number(row.offset), identity: row.identity, format: row.format, lines: Number(row.lines), rejected: Number(row.rejected), unmapped: Number(row.unmapped) } : null;
}

export class ProxyImporter {
  private readonly parse: ProxyLineParser;
  private hosts: Map<string, MappedHost> | null = null;
  private readonly clientCache = new Map<string, Client | null>();
  /**
   * Groups of the batch: per client slot, by destination slot (small integers, the keys V8
   * hashes fastest; a number built from both was a heap number per line); a chain per other port
   * or day.
   */
  private groups: Array<Map<number, LineGroup>> = [];
  /** The same groups in the order they were first seen (the order the roll-up fills host samples in). */
  private order: LineGroup[] = [];
  /**
   * Slots by what the raw table keys on (a client's host key, site and role; a destination's
   * canonical text), so that the batch's groups are its raw rows: two addresses of one host, or
   * a client seen again after a cache was cleared, share their groups.
   */
  private clientSlots = new Map<string, number>();
  private destinationSlots = new Map<string, number>();
  private readonly maxGroups: number;
  private carry: Buffer = Buffer.alloc(0);
  private linesSinceCommit = 0;
  readonly progress: ImportProgress;
  private committed = { lines: 0, rejected: 0, unmapped: 0 };

  constructor(private readonly options: ImportOptions) {
    this.parse = PARSERS[options.format];
    this.progress = { stream: options.stream, format: options.format, offset: options.startOffset, lines: 0, imported: 0, denied: 0, rejected: 0, unmapped: 0 };
    this.maxGroups = options.maxGroups ?? MAX_GROUPS;
  }

  private client(raw: string): Client | null {
    let known = this.clientCache.get(raw);
    if (known !== undefined) return known;
    const ip = canonicalIp(raw);
    if (!ip.ok) known = null;
    else {
      const address = ip.value.toString();
      const host = this.hosts?.get(address);
      const mapped = host ? { key: host.host_id, site: host.site, role: host.role } : { key: `unmapped:${address}`, site: this.options.site, role: 'unmapped' };
      known = { ...mapped, slot: `${mapped.key}\u0000${mapped.site}\u0000${mapped.role}` };
    }
    if (this.clientCache.size > 200_000) this.clientCache.clear();
    this.clientCache.set(detachedString(raw), known);
    return known;
  }

  private line(text: string): void {
    this.progress.lines += 1;
    const parsed = text.length > MAX_LINE_BYTES ? 'invalid' : this.parse(text);
    if (parsed === null) return;
    if (parsed === 'invalid') {
      this.progress.rejected += 1;
      return;
    }
    if (parsed.denied) {
      this.progress.denied += 1;
      return;
    }
    const client = this.client(parsed.client);
    const destination = canonicalDestination(parsed.host);
    // A time past what a Date holds (year 275760) would make no day: unreadable, not a crash.
    if (client === null || destination === null || !(parsed.at <= MAX_TIME_MS)) {
      this.progress.rejected += 1;
      return;
    }
    if (client.role === 'unmapped') this.progress.unmapped += 1;
    this.progress.imported += 1;
    const at = parsed.at;
    const port = parsed.port;
    const day = Math.floor(at / DAY_MS);
    let clientSlot = this.clientSlots.get(client.slot);
    if (clientSlot === undefined) this.clientSlots.set(client.slot, (clientSlot = this.clientSlots.size));
    let destinationSlot = this.destinationSlots.get(destination.destination);
    if (destinationSlot === undefined) this.destinationSlots.set(destination.destination, (destinationSlot = this.destinationSlots.size));
    let byDestination = this.groups[clientSlot];
    if (byDestination === undefined) this.groups[clientSlot] = byDestination = new Map();
    const head = byDestination.get(destinationSlot);
    let group = head;
    while (group !== undefined && (group.port !== port || group.day !== day)) group = group.next;
    if (group === undefined) {
      group = { client, destination, clientSlot, destinationSlot, port, day, first: at, last: at, hits: 1, sni: parsed.sni ? 1 : 0, next: head };
      byDestination.set(destinationSlot, group);
      this.order.push(group);
    } else {
      group.hits += 1;
      if (parsed.sni) group.sni += 1;
      if (at < group.first) group.first = at;
      if (at > group.last) group.last = at;
    }
  }

  /** Feeds a chunk; commits when a batch is full (at the chunk's last complete line). */
  async push(chunk: Buffer): Promise<void> {
    this.hosts ??= await loadHostAddresses(this.options.db);
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const last = data.lastIndexOf(0x0a);
    if (last < 0) {
      this.carry = data.length > MAX_LINE_BYTES ? this.skipLongLine(data) : data;
      return;
    }
    const text = data.toString('utf8', 0, last);
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      const end = nl < 0 ? text.length : nl;
      const l = end > start && text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
      this.line(l);
      this.linesSinceCommit += 1;
      if (nl < 0) break;
      start = nl + 1;
    }
    this.progress.offset += last + 1;
    this.carry = data.subarray(last + 1);
    if (this.linesSinceCommit >= (this.options.batchLines ?? BATCH_LINES) || this.order.length >= this.maxGroups) await this.commit();
  }

  /** A line longer than MAX_LINE_BYTES with no end in sight: count it once and drop what we hold. */
  private skipLongLine(data: Buffer): Buffer {
    this.progress.offset += data.length;
    this.progress.rejected += 1;
    this.progress.lines += 1;
    return Buffer.alloc(0);
  }

  /**
   * The groups' roll-up per (site, role, destination, port), filled in the order the groups were
   * first seen (the order host samples fill in); a group's SNI-named lines are counted under
   * their own source.
   */
  private aggregates(): Map<string, Aggregate> {
    // By destination slot, then a short list per (site, role, port): no key built per group.
    const byDestination = new Map<number, Array<{ agg: Aggregate; first: number; last: number }>>();
    const source = `proxy:${this.options.format}`;
    const named = `${source}:sni`;
    for (const g of this.order) {
      let list = byDestination.get(g.destinationSlot);
      if (list === undefined) byDestination.set(g.destinationSlot, (list = []));
      let entry = list.find((e) => e.agg.port === g.port && e.agg.site === g.client.site && e.agg.role === g.client.role);
      if (entry === undefined) {
        const d = g.destination;
        const agg: Aggregate = { site: g.client.site, role: g.client.role, destination: d.destination, kind: d.kind, domain: d.domain, port: g.port, protocol: 'tcp', direction: 'egress', first: '', last: '', hosts: new Set(), days: new Set(), processes: new Map(), sources: new Map(), addresses: new Set(), raws: [] };
        list.push((entry = { agg, first: g.first, last: g.last }));
      } else {
        if (g.first < entry.first) entry.first = g.first;
        if (g.last > entry.last) entry.last = g.last;
      }
      const { agg } = entry;
      agg.hosts.add(g.client.key);
      agg.days.add(this.dayText(g.day));
      if (g.hits > g.sni) agg.sources.set(source, (agg.sources.get(source) ?? 0) + g.hits - g.sni);
      if (g.sni > 0) agg.sources.set(named, (agg.sources.get(named) ?? 0) + g.sni);
    }
    const aggregates = new Map<string, Aggregate>();
    for (const list of byDestination.values()) {
      for (const { agg, first, last } of list) {
        agg.first = new Date(first).toISOString();
        agg.last = new Date(last).toISOString();
        aggregates.set(`${agg.site}\u0000${agg.role}\u0000${agg.destination}\u0000${agg.port}`, agg);
      }
    }
    return aggregates;
  }

  private readonly dayTexts = new Map<number, string>();
  private dayText(day: number): string {
    let text = this.dayTexts.get(day);
    if (text === undefined) {
      if (this.dayTexts.size > 1000) this.dayTexts.clear();
      this.dayTexts.set(day, (text = new Date(day * DAY_MS).toISOString().slice(0, 10)));
    }
    return text;
  }

  /**
   * The batch's raw rows, a statement's worth at a time (built as they are written, never all at
   * once), grouped by destination so that each part of the raw table's key is visited once.
   */
  private *rawRows(): Generator<RawRow[]> {
    const sorted = [...this.order].sort((a, b) => a.destinationSlot - b.destinationSlot || a.clientSlot - b.clientSlot || a.port - b.port || a.day - b.day);
    const source = `proxy:${this.options.format}`;
    for (let i = 0; i < sorted.length; i += RAW_ROWS_PER_STATEMENT) {
      yield sorted.slice(i, i + RAW_ROWS_PER_STATEMENT).map((g) => ({
        site: g.client.site,
        role: g.client.role,
        destination: g.destination.destination,
        port: g.port,
        protocol: 'tcp',
        direction: 'egress',
        host_key: g.client.key,
        day: this.dayText(g.day),
        source,
        process: null,
        first: new Date(g.first).toISOString(),
        last: new Date(g.last).toISOString(),
        hits: g.hits,
      }));
    }
  }

  /** Writes the groups held and the offset of the first line not imported, in one transaction. */
  async commit(): Promise<void> {
    const aggregates = this.aggregates();
    const p = this.progress;
    const delta = { lines: p.lines - this.committed.lines, rejected: p.rejected - this.committed.rejected, unmapped: p.unmapped - this.committed.unmapped };
    await this.options.db.transaction().execute(async (trx) => {
      await writeAggregates(trx, aggregates, this.options.judge, () => this.rawRows());
      const now = toDbTime(new Date());
      const existing = await trx.selectFrom('proxy_log_imports').selectAll().where('stream', '=', p.stream).executeTakeFirst();
      if (existing === undefined) {
        await trx.insertInto('proxy_log_imports').values({ stream: p.stream, format: p.format, offset: p.offset, identity: this.options.identity, lines: delta.lines, rejected: delta.rejected, unmapped: delta.unmapped, updated_at: now }).execute();
      } else {
        await trx
          .updateTable('proxy_log_imports')
          .set({ format: p.format, offset: p.offset, identity: this.options.identity, lines: Number(existing.lines) + delta.lines, rejected: Number(existing.rejected) + delta.rejected, unmapped: Number(existing.unmapped) + delta.unmapped, updated_at: now })
          .where('stream', '=', p.stream)
          .execute();
      }
    });
    this.committed = { lines: p.lines, rejected: p.rejected, unmapped: p.unmapped };
    this.groups = [];
    this.order = [];
    this.clientSlots = new Map();
    this.destinationSlots = new Map();
    this.linesSinceCommit = 0;
  }

  /** Bytes held back as an incomplete last line (not imported). */
  get pendingBytes(): number {
    return this.carry.length;
  }
}

/** Resets a stream's progress (a rotated file, or --restart). */
export async function resetProgress(db: Database, stream: string): Promise<void> {
  await db.deleteFrom('proxy_log_imports').where('stream', '=', stream).execute();
}
