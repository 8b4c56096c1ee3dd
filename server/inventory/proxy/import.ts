// Importing a proxy log, streaming and resumable with bounded memory. Bytes are read in chunks;
// every `batchLines` lines the reduced sightings are written together with the byte offset of
// the first line not yet imported, in one transaction: after a crash or a refused request the
// import resumes at that offset, and no line is counted twice. A trailing partial line is never
// imported (its bytes are re-sent or re-read). Client addresses are mapped to hosts from the
// addresses agents report; an address no agent reports is kept as `unmapped:<address>` under
// the proxy's site, never attributed to a host.
//
// Per line the work is kept to what the line alone says: a Squid line is scanned where it lies
// in the decoded window (never cut out), its time read digit by digit, and its client field and
// its request target (up to its authority, with the SNI field) each looked up by their text in
// bounded maps of what was already resolved (client mapped, destination canonicalised, port,
// slots); its group of the batch is then found by slot. Other formats, and Squid lines that are
// not plain requests (comments, bad times, a target with no scheme), go through the format's
// parser as they always did.
import { canonicalIp } from '../../../policies/allowlist.js';
import { toDbTime } from '../../db/columns.js';
import type { Database } from '../../db/schema.js';
import { canonicalDestination, detachedString, type CanonicalDestination } from '../destination.js';
import { loadHostAddresses, type MappedHost } from '../host-addresses.js';
import { compareText, RAW_ROWS_PER_STATEMENT, writeAggregates, type Aggregate, type RawRow } from '../record.js';
import type { Judge } from '../verdict.js';
import { parseSquidLine, scanSquidFields, squidFields, squidTime } from './parse-squid.js';
import { parseStormshieldLine } from './parse-stormshield.js';
import type { ProxyFormat, ProxyLineParser } from './proxy-line.js';

export const PARSERS: Record<ProxyFormat, ProxyLineParser> = { squid: parseSquidLine, stormshield: parseStormshieldLine };
/** Lines longer than this are refused as invalid (and skipped), so one line cannot hold memory. */
export const MAX_LINE_BYTES = 64 * 1024;
/** Lines per transaction: what a crash re-reads at most. */
export const BATCH_LINES = 500_000;
/** Groups held in memory before a commit, whatever the lines (about 25 MB of them). */
export const MAX_GROUPS = 100_000;
/**
 * The batch of `vigie inventory import-proxy-log`, a process of its own (the defaults above are
 * the server's, where shippers' requests share the memory): each commit rewrites every raw row
 * and roll-up row its groups touch, and a log's lines come back to the same (client, destination,
 * port, day) all day, so fewer, larger commits write far fewer rows. On the bench's 10 M-line log:
 * 6 commits and 72 s, against 44 commits and 190 s with the defaults; about 75 MB of groups.
 */
export const COMMAND_BATCH = { batchLines: 2_000_000, maxGroups: 300_000 } as const;
/**
 * Bytes decoded to one string at a time: under V8's large-object size, so that a window is
 * young-generation garbage (freed by the next scavenge) instead of a large object that only a
 * full collection frees, which let the heap of a long import grow by hundreds of MB.
 */
export const WINDOW_BYTES = 64 * 1024;
/** Resolved line targets and slots kept across batches; all are forgotten past this. */
const RESOLVED_KEPT = 200_000;

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
  /**
   * Read Squid lines through the format's parser, one line cut out at a time, as every other
   * format is (the reference the fast path is tested against); default false.
   */
  squidByParser?: boolean;
}

/** A client as mapped; `slot` is its raw-table identity (host key, site, role), computed once. */
type Client = { key: string; site: string; role: string; slot: string };

/** A client address as logged, resolved: the host it maps to (or unmapped), and its slot; null when it is no address. */
interface ClientEntry {
  client: Client | null;
  slot: number;
}

/** A request's host and port (and whether the SNI named it), resolved: its destination and slot; null when it is none. */
interface RequestEntry {
  destination: CanonicalDestination | null;
  slot: number;
  port: number;
  sni: boolean;
}

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
  private readonly squidFast: boolean;
  private hosts: Map<string, MappedHost> | null = null;
  /** Client fields as logged, resolved. */
  private clientEntries = new Map<string, ClientEntry>();
  /**
   * Squid request targets resolved, CONNECT's (`host:port`) and URLs' (up to the authority: never
   * a path or a query) apart, each with `\0 SNI field` when the log has one.
   */
  private connectTargets = new Map<string, RequestEntry>();
  private urlTargets = new Map<string, RequestEntry>();
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
   * a client seen again after a cache was cleared, share their groups. Kept across batches (the
   * entries above hold them) until RESOLVED_KEPT is passed, then forgotten with the entries.
   */
  private clientSlots = new Map<string, number>();
  private destinationSlots = new Map<string, number>();
  /** Each slot's client or destination, by slot. */
  private clientsBySlot: Client[] = [];
  private destinationsBySlot: CanonicalDestination[] = [];
  private readonly maxGroups: number;
  private readonly batchLines: number;
  private carry: Buffer = Buffer.alloc(0);
  private linesSinceCommit = 0;
  readonly progress: ImportProgress;
  private committed = { lines: 0, rejected: 0, unmapped: 0 };

  constructor(private readonly options: ImportOptions) {
    this.parse = PARSERS[options.format];
    this.squidFast = options.format === 'squid' && options.squidByParser !== true;
    this.progress = { stream: options.stream, format: options.format, offset: options.startOffset, lines: 0, imported: 0, denied: 0, rejected: 0, unmapped: 0 };
    this.maxGroups = options.maxGroups ?? MAX_GROUPS;
    this.batchLines = options.batchLines ?? BATCH_LINES;
  }

  private clientEntry(raw: string): ClientEntry {
    let entry = this.clientEntries.get(raw);
    if (entry !== undefined) return entry;
    entry = { client: null, slot: -1 };
    const ip = canonicalIp(raw);
    if (ip.ok) {
      const address = ip.value.toString();
      const host = this.hosts?.get(address);
      const mapped = host ? { key: host.host_id, site: host.site, role: host.role } : { key: `unmapped:${address}`, site: this.options.site, role: 'unmapped' };
      const client = { ...mapped, slot: `${mapped.key}\u0000${mapped.site}\u0000${mapped.role}` };
      let slot = this.clientSlots.get(client.slot);
      if (slot === undefined) {
        this.clientSlots.set(client.slot, (slot = this.clientsBySlot.length));
        this.clientsBySlot.push(client);
      }
      entry = { client: this.clientsBySlot[slot]!, slot };
    }
    if (this.clientEntries.size >= RESOLVED_KEPT) this.clientEntries.clear();
    this.clientEntries.set(detachedString(raw), entry);
    return entry;
  }

  private requestEntry(host: string, port: number, sni: boolean): RequestEntry {
    const destination = canonicalDestination(host);
    if (destination === null) return { destination, slot: -1, port, sni };
    let slot = this.destinationSlots.get(destination.destination);
    if (slot === undefined) {
      this.destinationSlots.set(destination.destination, (slot = this.destinationsBySlot.length));
      this.destinationsBySlot.push(destination);
    }
    return { destination, slot, port, sni };
  }

  /** A line through the format's parser (every format; Squid lines the fast path leaves). */
  private line(text: string): void {
    this.progress.lines += 1;
    const parsed = text.length > MAX_LINE_BYTES ? 'invalid' : this.parse(text);
    if (parsed === null) return;
    if (parsed === 'invalid') {
      this.progress.rejected += 1;
      return;
    }
    this.count(this.clientEntry(parsed.client), this.requestEntry(parsed.host, parsed.port, parsed.sni), parsed.denied, parsed.at);
  }

  /**
   * A Squid line where it lies in `text` (from `start` to `end`), read as parseSquidLine reads it:
   * its fields found in place, its request target looked up by its text; a line that is not a
   * readable request (comment, too few fields, no time, a target with no scheme or not
   * resolvable) goes through the parser.
   */
  private squidLine(text: string, start: number, end: number): void {
    if (end - start > MAX_LINE_BYTES || start === end || text.charCodeAt(start) === 35 /* # */) return this.line(text.slice(start, end));
    const fields = scanSquidFields(text, start, end);
    if (fields < 10) return this.line(text.slice(start, end));
    const f = squidFields;
    const at = squidTime(text, f[0]!, f[1]!);
    if (!Number.isFinite(at) || at <= 0) return this.line(text.slice(start, end));
    // CONNECT's target is its key whole; any other method's, the URL up to its authority.
    const urlStart = f[12]!;
    const urlEnd = f[13]!;
    const connect = f[11]! - f[10]! === 7 && text.startsWith('CONNECT', f[10]!);
    let targetEnd = urlEnd;
    if (!connect) {
      let i = urlStart;
      while (i + 2 < urlEnd && !(text.charCodeAt(i) === 58 /* : */ && text.charCodeAt(i + 1) === 47 && text.charCodeAt(i + 2) === 47)) i++;
      if (i + 2 >= urlEnd) return this.line(text.slice(start, end));
      for (i += 3; i < urlEnd; i++) {
        const c = text.charCodeAt(i);
        if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) break;
      }
      targetEnd = i;
    }
    let denied = false;
    for (let i = f[6]!, e = f[7]! - 5; i < e; i++) {
      if (text.charCodeAt(i) === 68 /* D */ && text.startsWith('DENIED', i)) {
        denied = true;
        break;
      }
    }
    const client = this.clientEntry(text.slice(f[4]!, f[5]!));
    const key = fields > 10 ? `${text.slice(urlStart, targetEnd)}\u0000${text.slice(f[20]!, f[21]!)}` : text.slice(urlStart, targetEnd);
    const targets = connect ? this.connectTargets : this.urlTargets;
    let request = targets.get(key);
    if (request === undefined) {
      // Resolved as the parser reads the line (its own memo of targets included; it scans the
      // line again, into the same field bounds, so nothing above is read after this).
      const parsed = parseSquidLine(text.slice(start, end));
      if (parsed === null || parsed === 'invalid') return this.line(text.slice(start, end));
      request = this.requestEntry(parsed.host, parsed.port, parsed.sni);
      if (targets.size >= RESOLVED_KEPT) targets.clear();
      targets.set(detachedString(key), request);
    }
    this.progress.lines += 1;
    this.count(client, request, denied, at);
  }

  /** Counts a readable line into its group (or as denied, or rejected), as the parser's answer is counted. */
  private count(client: ClientEntry, request: RequestEntry, denied: boolean, at: number): void {
    if (denied) {
      this.progress.denied += 1;
      return;
    }
    // A time past what a Date holds (year 275760) would make no day: unreadable, not a crash.
    if (client.client === null || request.destination === null || !(at <= MAX_TIME_MS)) {
      this.progress.rejected += 1;
      return;
    }
    if (client.client.role === 'unmapped') this.progress.unmapped += 1;
    this.progress.imported += 1;
    const day = Math.floor(at / DAY_MS);
    let byDestination = this.groups[client.slot];
    if (byDestination === undefined) this.groups[client.slot] = byDestination = new Map();
    const head = byDestination.get(request.slot);
    let group = head;
    while (group !== undefined && (group.port !== request.port || group.day !== day)) group = group.next;
    if (group === undefined) {
      group = { client: client.client, destination: request.destination, clientSlot: client.slot, destinationSlot: request.slot, port: request.port, day, first: at, last: at, hits: 1, sni: request.sni ? 1 : 0, next: head };
      byDestination.set(request.slot, group);
      this.order.push(group);
    } else {
      group.hits += 1;
      if (request.sni) group.sni += 1;
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
    // Window by window (each ends at a line end), each decoded on its own.
    for (let from = 0; ; ) {
      const to = from + WINDOW_BYTES >= last ? last : data.indexOf(0x0a, from + WINDOW_BYTES);
      this.lines(data.toString('utf8', from, to));
      if (to >= last) break;
      from = to + 1;
    }
    this.progress.offset += last + 1;
    this.carry = data.subarray(last + 1);
    // Slots are made for every line read (denied and rejected ones too): past RESOLVED_KEPT they
    // end the batch as well, so a log of ever-new names cannot grow them for a whole batch.
    if (this.linesSinceCommit >= this.batchLines || this.order.length >= this.maxGroups || this.clientsBySlot.length + this.destinationsBySlot.length > RESOLVED_KEPT) await this.commit();
  }

  /** Every line of a decoded window (which holds whole lines, without the last line end). */
  private lines(text: string): void {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      let end = nl < 0 ? text.length : nl;
      if (end > start && text.charCodeAt(end - 1) === 13) end -= 1;
      if (this.squidFast) this.squidLine(text, start, end);
      else this.line(text.slice(start, end));
      this.linesSinceCommit += 1;
      if (nl < 0) break;
      start = nl + 1;
    }
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
   * once), in the raw table's key order (site, role, destination, port, host, day): each B-tree
   * page of its key is then visited once per batch, where the order the groups were seen in
   * wrote all over a table larger than the database's page cache. Ordered by ranks computed once
   * per slot, not by comparing texts per pair.
   */
  private *rawRows(): Generator<RawRow[]> {
    const clientRank = this.ranks(this.clientsBySlot, (a, b) => compareText(a.site, b.site) || compareText(a.role, b.role) || compareText(a.key, b.key));
    const scopeRank = this.ranks(this.clientsBySlot, (a, b) => compareText(a.site, b.site) || compareText(a.role, b.role));
    const destinationRank = this.ranks(this.destinationsBySlot, (a, b) => compareText(a.destination, b.destination));
    const sorted = [...this.order].sort(
      (a, b) =>
        scopeRank[a.clientSlot]! - scopeRank[b.clientSlot]! ||
        destinationRank[a.destinationSlot]! - destinationRank[b.destinationSlot]! ||
        a.port - b.port ||
        clientRank[a.clientSlot]! - clientRank[b.clientSlot]! ||
        a.day - b.day,
    );
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

  /** Each slot's rank in `compare`'s order (equal items share a rank). */
  private ranks<T>(bySlot: readonly T[], compare: (a: T, b: T) => number): Int32Array {
    const slots = bySlot.map((_, i) => i).sort((a, b) => compare(bySlot[a]!, bySlot[b]!));
    const rank = new Int32Array(bySlot.length);
    for (let i = 1; i < slots.length; i++) rank[slots[i]!] = compare(bySlot[slots[i - 1]!]!, bySlot[slots[i]!]!) === 0 ? rank[slots[i - 1]!]! : i;
    return rank;
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
    if (this.clientEntries.size + this.connectTargets.size + this.urlTargets.size + this.clientsBySlot.length + this.destinationsBySlot.length > RESOLVED_KEPT) {
      // Entries hold slots: both are forgotten together, between batches.
      this.clientEntries = new Map();
      this.connectTargets = new Map();
      this.urlTargets = new Map();
      this.clientSlots = new Map();
      this.destinationSlots = new Map();
      this.clientsBySlot = [];
      this.destinationsBySlot = [];
    }
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
