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
import { SightingRollup, writeAggregates } from '../record.js';
import type { Sighting } from '../sighting.js';
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

type Client = { key: string; site: string; role: string };

/** One (client, destination, port, UTC day) of the log: its lines, SNI-named ones, first and last. */
interface LineGroup {
  client: Client;
  destination: CanonicalDestination;
  port: number;
  first: number;
  last: number;
  hits: number;
  sni: number;
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
  private groups = new Map<string, LineGroup>();
  /** The UTC day of the last line (lines come in time order: computed once a day). */
  private day = { start: 0, end: 0, text: '' };
  private carry: Buffer = Buffer.alloc(0);
  private linesSinceCommit = 0;
  readonly progress: ImportProgress;
  private committed = { lines: 0, rejected: 0, unmapped: 0 };

  constructor(private readonly options: ImportOptions) {
    this.parse = PARSERS[options.format];
    this.progress = { stream: options.stream, format: options.format, offset: options.startOffset, lines: 0, imported: 0, denied: 0, rejected: 0, unmapped: 0 };
  }

  private client(raw: string): Client | null {
    let known = this.clientCache.get(raw);
    if (known !== undefined) return known;
    const ip = canonicalIp(raw);
    if (!ip.ok) known = null;
    else {
      const address = ip.value.toString();
      const host = this.hosts?.get(address);
      known = host ? { key: host.host_id, site: host.site, role: host.role } : { key: `unmapped:${address}`, site: this.options.site, role: 'unmapped' };
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
    if (at < this.day.start || at >= this.day.end) {
      const start = Math.floor(at / DAY_MS) * DAY_MS;
      this.day = { start, end: start + DAY_MS, text: new Date(start).toISOString().slice(0, 10) };
    }
    const key = `${client.key}\u0000${destination.destination}\u0000${parsed.port}\u0000${this.day.text}`;
    const group = this.groups.get(key);
    if (group === undefined) {
      this.groups.set(key, { client, destination, port: parsed.port, first: at, last: at, hits: 1, sni: parsed.sni ? 1 : 0 });
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
    if (this.linesSinceCommit >= (this.options.batchLines ?? BATCH_LINES) || this.groups.size >= (this.options.maxGroups ?? MAX_GROUPS)) await this.commit();
  }

  /** A line longer than MAX_LINE_BYTES with no end in sight: count it once and drop what we hold. */
  private skipLongLine(data: Buffer): Buffer {
    this.progress.offset += data.length;
    this.progress.rejected += 1;
    this.progress.lines += 1;
    return Buffer.alloc(0);
  }

  /** The groups as sightings, rolled up (a group's SNI-named lines are counted under their own source). */
  private rollup(): SightingRollup {
    const rollup = new SightingRollup();
    const source = `proxy:${this.options.format}`;
    for (const g of this.groups.values()) {
      const base = {
        site: g.client.site,
        role: g.client.role as Sighting['role'],
        destination: g.destination.destination,
        kind: g.destination.kind,
        domain: g.destination.domain,
        port: g.port,
        protocol: 'tcp' as const,
        direction: 'egress' as const,
        host_key: g.client.key,
        at: new Date(g.first).toISOString(),
        source,
        process: null,
        address: null,
      };
      const last = new Date(g.last).toISOString();
      if (g.hits > g.sni) rollup.add({ ...base, name_source: null }, g.hits - g.sni, last);
      if (g.sni > 0) rollup.add({ ...base, name_source: 'sni' }, g.sni, last);
    }
    return rollup;
  }

  /** Writes the groups held and the offset of the first line not imported, in one transaction. */
  async commit(): Promise<void> {
    const aggregates = this.rollup().aggregates;
    const p = this.progress;
    const delta = { lines: p.lines - this.committed.lines, rejected: p.rejected - this.committed.rejected, unmapped: p.unmapped - this.committed.unmapped };
    await this.options.db.transaction().execute(async (trx) => {
      await writeAggregates(trx, aggregates, this.options.judge);
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
    this.groups = new Map();
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
