// The proxy-log import's roll-up does not depend on how the log is cut: the same Squid log
// imported in one transaction, and in many small ones (a few lines or groups per commit, odd-sized
// chunks, the second half resumed from the stored offset by a new importer as the CLI does),
// leaves the same inventory and the same raw sightings, on both databases. Both are also checked
// against a plain reduction of the log written here (hosts, days, hits per source, first and last
// seen per destination), so the two cannot agree on a wrong answer.
import t from 'tap';
import { loadShippedPacks } from '../../../../policies/pack.js';
import { fromDbJson, fromDbTime, toDbTime } from '../../../../server/db/columns.js';
import type { Database } from '../../../../server/db/schema.js';
import { importProgress, ProxyImporter } from '../../../../server/inventory/proxy/import.js';
import { inventoryJudge } from '../../../../server/inventory/verdict.js';
import { DB_KINDS, openTestDatabase } from '../../fixture.js';

const SITE = 'ch-proxy';
const NOW = new Date('2025-06-04T12:00:00Z');
const DAY0 = Date.parse('2025-06-01T00:00:00Z') / 1000;

/** Mapped clients: host-a has two addresses (both must count as one host). */
const HOSTS: Array<{ address: string; host_id: string; role: string }> = [
  { address: '10.20.0.1', host_id: 'host-a', role: 'workstation' },
  { address: '10.20.0.2', host_id: 'host-a', role: 'workstation' },
  { address: '10.20.0.3', host_id: 'host-b', role: 'workstation' },
  { address: '10.20.0.4', host_id: 'host-c', role: 'server' },
];
const CLIENTS = [...HOSTS.map((h) => h.address), '10.99.0.7', '10.99.0.8', '10.99.0.9'];
const NAMES = Array.from({ length: 24 }, (_, i) => `app${i}.editeur${i % 5}.example`);
const ADDRESSES = ['203.0.113.5', '203.0.113.6'];

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Expected {
  hosts: Set<string>;
  days: Set<string>;
  sources: Map<string, number>;
  first: number;
  last: number;
}

/** The log (3 days, out-of-order times within a day, SNI, denied, invalid and comment lines) and its plain reduction. */
function makeLog(lines: number): { log: string; expected: Map<string, Expected>; raws: Set<string> } {
  const random = rng(7);
  const out: string[] = [];
  const expected = new Map<string, Expected>();
  const raws = new Set<string>();
  for (let i = 0; i < lines; i++) {
    const r = random();
    if (r < 0.01) {
      out.push('# a comment');
      continue;
    }
    if (r < 0.02) {
      out.push('not a squid line');
      continue;
    }
    const client = CLIENTS[Math.floor(random() * CLIENTS.length)]!;
    // Mostly in time order, a few lines up to 20 minutes early (as squid logs at completion).
    const ms = Math.round((DAY0 + (i / lines) * 3 * 86_400 - (random() < 0.1 ? random() * 1200 : 0)) * 1000);
    const ts = (ms / 1000).toFixed(3);
    const kind = random();
    let destination: string;
    let port: number;
    let source = 'proxy:squid';
    if (kind < 0.05) {
      out.push(`${ts}      0 ${client} TCP_DENIED/403 3900 GET http://casino.example/ - HIER_NONE/- text/html`);
      continue;
    } else if (kind < 0.15) {
      // A CONNECT to an address with the SNI logged: the name is the destination.
      destination = NAMES[Math.floor(random() * 4)]!;
      port = 443;
      source = 'proxy:squid:sni';
      out.push(`${ts}    245 ${client} TCP_TUNNEL/200 5120 CONNECT ${ADDRESSES[i % 2]}:443 - HIER_DIRECT/${ADDRESSES[i % 2]} - ${destination}`);
    } else if (kind < 0.2) {
      destination = ADDRESSES[i % 2]!;
      port = 8443;
      out.push(`${ts}    245 ${client} TCP_TUNNEL/200 5120 CONNECT ${destination}:8443 - HIER_DIRECT/${destination} -`);
    } else if (kind < 0.5) {
      destination = NAMES[Math.floor(NAMES.length * random() ** 2)]!;
      port = 80;
      out.push(`${ts}     88 ${client} TCP_MISS/200 1432 GET http://${destination}/dossier?patient=${i} u${i % 9} HIER_DIRECT/192.0.2.4 text/html`);
    } else {
      destination = NAMES[Math.floor(NAMES.length * random() ** 2)]!;
      port = 443;
      out.push(`${ts}    245 ${client} TCP_TUNNEL/200 5120 CONNECT ${destination}:443 - HIER_DIRECT/192.0.2.45 -`);
    }
    const host = HOSTS.find((h) => h.address === client);
    const site = SITE;
    const role = host?.role ?? 'unmapped';
    const hostKey = host?.host_id ?? `unmapped:${client}`;
    const day = new Date(ms).toISOString().slice(0, 10);
    const key = `${site}|${role}|${destination}|${port}`;
    let e = expected.get(key);
    if (e === undefined) expected.set(key, (e = { hosts: new Set(), days: new Set(), sources: new Map(), first: ms, last: ms }));
    e.hosts.add(hostKey);
    e.days.add(day);
    e.sources.set(source, (e.sources.get(source) ?? 0) + 1);
    e.first = Math.min(e.first, ms);
    e.last = Math.max(e.last, ms);
    raws.add(`${key}|${hostKey}|${day}`);
  }
  return { log: `${out.join('\n')}\n`, expected, raws };
}

async function seedHosts(db: Database): Promise<void> {
  await db
    .insertInto('inventory_host_addresses')
    .values(HOSTS.map((h) => ({ address: h.address, host_id: h.host_id, site: SITE, role: h.role, seen_at: toDbTime(NOW) })))
    .execute();
}

/** Everything the import leaves, in key order, with dialect differences (JSON, times) removed. */
async function snapshot(db: Database) {
  const destinations = await db.selectFrom('inventory_destinations').selectAll().orderBy('site').orderBy('role').orderBy('destination').orderBy('port').orderBy('protocol').orderBy('direction').execute();
  const sightings = await db.selectFrom('inventory_sightings').selectAll().orderBy('site').orderBy('role').orderBy('destination').orderBy('port').orderBy('protocol').orderBy('direction').orderBy('host_key').orderBy('day').orderBy('source').execute();
  return {
    destinations: destinations.map((r) => ({
      ...r,
      port: Number(r.port),
      internal: Number(r.internal),
      hosts_count: Number(r.hosts_count),
      days_seen: Number(r.days_seen),
      hosts_sample: (fromDbJson(r.hosts_sample) as string[]).slice().sort(),
      processes: fromDbJson(r.processes),
      sources: fromDbJson(r.sources),
      addresses: fromDbJson(r.addresses),
      first_seen: fromDbTime(r.first_seen),
      last_seen: fromDbTime(r.last_seen),
    })),
    sightings: sightings.map((r) => ({ ...r, port: Number(r.port), hits: Number(r.hits), first_seen: fromDbTime(r.first_seen), last_seen: fromDbTime(r.last_seen) })),
  };
}

const judge = inventoryJudge(loadShippedPacks(), new Map(), NOW);
const { log, expected, raws } = makeLog(4000);
const bytes = Buffer.from(log);

for (const kind of DB_KINDS) {
  t.test(`${kind}: one transaction and many small ones leave the same inventory`, async (t) => {
    const whole = await openTestDatabase(t, kind);
    const pieces = await openTestDatabase(t, kind);
    await seedHosts(whole.db);
    await seedHosts(pieces.db);

    // One push, one commit.
    const once = new ProxyImporter({ db: whole.db, judge, stream: 'gw', format: 'squid', site: SITE, identity: 'f', startOffset: 0 });
    await once.push(bytes);
    await once.commit();

    // Odd-sized chunks, a commit every 7 lines or 5 groups; stopped after 40 % of the bytes and
    // resumed by a new importer from the stored offset (the bytes after it are read again).
    const small = { batchLines: 7, maxGroups: 5 };
    const first = new ProxyImporter({ db: pieces.db, judge, stream: 'gw', format: 'squid', site: SITE, identity: 'f', startOffset: 0, ...small });
    const stop = Math.floor(bytes.length * 0.4);
    for (let at = 0; at < stop; at += 97) await first.push(bytes.subarray(at, Math.min(at + 97, stop)));
    const stored = (await importProgress(pieces.db, 'gw'))!;
    t.ok(stored.offset > 0 && stored.offset <= stop, 'the first importer committed part of the log');
    const second = new ProxyImporter({ db: pieces.db, judge, stream: 'gw', format: 'squid', site: SITE, identity: 'f', startOffset: stored.offset, ...small });
    for (let at = stored.offset; at < bytes.length; at += 113) await second.push(bytes.subarray(at, Math.min(at + 113, bytes.length)));
    await second.commit();

    const a = await snapshot(whole.db);
    const b = await snapshot(pieces.db);
    t.ok(a.destinations.length > 50, `${a.destinations.length} inventory rows`);
    t.same(b.destinations, a.destinations, 'the same inventory rows, column for column');
    t.same(b.sightings, a.sightings, 'the same raw sightings');
    const pa = (await importProgress(whole.db, 'gw'))!;
    const pb = (await importProgress(pieces.db, 'gw'))!;
    t.same({ offset: pb.offset, lines: pb.lines, rejected: pb.rejected, unmapped: pb.unmapped }, { offset: pa.offset, lines: pa.lines, rejected: pa.rejected, unmapped: pa.unmapped }, 'the same progress');
    t.equal(pa.offset, bytes.length, 'every byte imported');

    // Against the plain reduction of the log.
    t.equal(a.sightings.length, raws.size, 'one raw sighting per (destination, host, day)');
    t.equal(a.destinations.length, expected.size, 'one inventory row per (site, role, destination, port)');
    for (const row of a.destinations) {
      const e = expected.get(`${row.site}|${row.role}|${row.destination}|${row.port}`);
      if (e === undefined) {
        t.fail(`unexpected row ${row.role} ${row.destination}:${row.port}`);
        continue;
      }
      const want = { hosts_count: e.hosts.size, days_seen: e.days.size, sources: Object.fromEntries([...e.sources].sort()), first_seen: new Date(e.first).toISOString(), last_seen: new Date(e.last).toISOString(), last_day: [...e.days].sort().at(-1) };
      const got = { hosts_count: row.hosts_count, days_seen: row.days_seen, sources: Object.fromEntries(Object.entries(row.sources as Record<string, number>).sort()), first_seen: row.first_seen, last_seen: row.last_seen, last_day: row.last_day };
      if (JSON.stringify(got) !== JSON.stringify(want)) t.same(got, want, `${row.role} ${row.destination}:${row.port}`);
    }
    t.pass('every row checked against the reduction');
  });
}
