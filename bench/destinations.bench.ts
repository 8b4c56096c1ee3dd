// Destinations (issue 18), two measurements on SQLite in a temporary data dir:
//
// 1. Proxy-log import: a Squid native log the bench writes to a file, streaming (CONNECT and GET
//    lines, query strings and user names included, 2,048 clients of which 1 in 8 no agent
//    reports), imported by the real ProxyImporter (parse, canonicalise, map clients, roll up,
//    commit with the byte offset) against a bare line-splitting read of the same file in the same
//    run (the same 1 MiB reads and 64 KiB decoded windows, the same split loop, nothing else). Each is run in a process of
//    its own (bench/destinations-import-child.ts), so each peak RSS (the kernel's VmHWM) is that
//    measurement's alone; the bare read runs before and after the import (best of 2). Where the
//    import's time goes is measured in the same run: the fields found alone, the parse alone,
//    parse + aggregate with no database, the import's time in its commits, and SQLite's floor for
//    holding the raw rows. Targets: >= 0.5 of the bare read, RSS flat
//    <= 200 MB.
//    Figures measured so far, and the floors that bound any import: docs/destinations.md,
//    "Measured performance".
// 2. Inventory query for one site at H hosts x 50 destinations each (drawn, skewed, from a pool
//    of names and addresses): the roll-up the feed would write (one row per role, destination,
//    port; hosts counts, samples, verdicts from the shipped packs' real judge) is inserted in
//    bulk (the raw per-host sightings are not: no page reads them), then every page of the
//    inventory is read by its keyset cursor, plus filtered first pages and the page's other
//    queries (coverage, domain groups, entry use). p50/p95 per query against a bare indexed read
//    of 50 rows in the same run (target: pages p95 <= 200 ms).
//
// Default: 200,000 log lines and 10,000 hosts (under a minute on an idle machine). --full: the
// issue's 10,000,000 lines and 100,000 hosts. --sparse: the log's worst case (see writeSquidLog).
// --import-only: skip the query measurement; --query-only: skip the import. The machine is shared: the load average is printed
// with the figures; compare ratios, not absolute times.
// Run: npm run bench -- destinations [--full] [--sparse] [--import-only | --query-only]
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { sql } from 'kysely';
import { loadShippedPacks } from '../policies/pack.js';
import { toDbJson, toDbTime } from '../server/db/columns.js';
import { openDatabase } from '../server/db/database.js';
import type { Database } from '../server/db/schema.js';
import { canonicalDestination } from '../server/inventory/destination.js';
import { entryUse, inventoryCoverage } from '../server/inventory/maintenance.js';
import { listInventory, type InventoryFilter } from '../server/inventory/query.js';
import { inventoryJudge } from '../server/inventory/verdict.js';
import { domainGroups } from '../server/dashboard/data/destinations.js';
import type { Result as ChildResult } from './destinations-import-child.js';

const FULL = process.argv.includes('--full');
const SPARSE = process.argv.includes('--sparse');
const LINES = FULL ? 10_000_000 : 200_000;
const HOSTS = FULL ? 100_000 : 10_000;
const PER_HOST = 50;
const SITE = 'ch-bench';
const NOW = new Date('2025-06-02T08:00:00Z');
const MB = 1024 * 1024;
/** A child measurement is stopped past this (the --full import included). */
const CHILD_TIMEOUT_MS = (FULL ? 40 : 5) * 60_000;

const load = () => loadavg().map((n) => n.toFixed(2)).join(' ');
const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
/** A deterministic generator (the same data on every run). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A destination of the pool: mostly names under a few hundred registrable domains, some bare addresses. */
function poolName(i: number): string {
  if (i % 10 === 9) return `203.0.${(i >> 8) & 255}.${i & 255}`;
  return `s${i}.svc${i % 40}.editeur${i % 300}.example`;
}

/** A client's habitual destinations (its applications' hosts), drawn once per client from the skewed pool. */
const HABITUAL = 40;
function habitual(client: number, k: number): string {
  return poolName(Math.floor(5000 * rng(client * HABITUAL + k + 1)() ** 3));
}

/**
 * The log: 2,048 clients in turn over two days. By default each line goes 9 times out of 10 to
 * one of the client's 40 habitual destinations (skewed: a few carry most of its traffic) and
 * otherwise to the whole pool, as a workstation's browser reaches the same applications all day
 * (the bench prints lines per (client, destination, day) group). --sparse draws every line from
 * the whole pool (almost every line a new group: the worst case for the roll-up).
 */
async function writeSquidLog(file: string, lines: number): Promise<number> {
  const out = createWriteStream(file, { highWaterMark: 4 * MB });
  const random = rng(18);
  const start = NOW.getTime() / 1000 - 2 * 86_400;
  let buffer = '';
  for (let i = 0; i < lines; i++) {
    // 2,048 clients (8 subnets x 64 x 4): a large site's proxy.
    const client = `10.${20 + (i % 8)}.${(i >> 3) % 64}.${[0, 7, 14, 21][(i >> 9) % 4]}`;
    const dest = !SPARSE && random() < 0.9 ? habitual(i % 2048, Math.floor(HABITUAL * random() ** 2)) : poolName(Math.floor(5000 * random() ** 3));
    const ts = (start + (i / lines) * 2 * 86_400).toFixed(3);
    buffer +=
      i % 3 === 0
        ? `${ts}    120 ${client} TCP_MISS/200 5120 GET http://${dest}/dossier/123?patient=4567&token=secret u${i % 97} HIER_DIRECT/192.0.2.4 text/html\n`
        : `${ts}    245 ${client} TCP_TUNNEL/200 5120 CONNECT ${dest}:443 - HIER_DIRECT/192.0.2.45 -\n`;
    if (buffer.length > MB) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
  return statSync(file).size;
}


/** One measurement in a child process of its own (bench/destinations-import-child.ts), bounded in time. */
function runChild(mode: string, file: string, dataDir: string): ChildResult {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'destinations-import-child.ts'), mode, file, dataDir, SITE, NOW.toISOString()], { timeout: CHILD_TIMEOUT_MS, maxBuffer: MB, stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.toString().trim().split('\n').at(-1)!) as ChildResult;
}

const rate = (r: ChildResult) => r.lines / r.seconds;
const perSecond = (n: number) => `${Math.round(n).toLocaleString('en')}/s`;

async function benchImport(dir: string): Promise<void> {
  const file = join(dir, 'access.log');
  const bytes = await writeSquidLog(file, LINES);
  const dataDir = join(dir, 'import-db');
  const db = await openDatabase({ dataDir });
  try {
    // Agents report 7 of the 8 client subnets: the 8th stays unmapped.
    const addresses = [];
    for (let net = 20; net < 27; net++) for (let a = 0; a < 256; a++) for (const b of [0, 7, 14, 21]) addresses.push({ address: `10.${net}.${a}.${b}`, host_id: `h-${net}-${a}-${b}`, site: SITE, role: 'workstation', seen_at: toDbTime(NOW) });
    for (let i = 0; i < addresses.length; i += 500) await db.insertInto('inventory_host_addresses').values(addresses.slice(i, i + 500)).execute();
  } finally {
    await db.destroy();
  }
  console.log(`proxy-log import: ${LINES.toLocaleString('en')} lines (${mb(bytes)}) written to a file; each measurement in its own process; load average ${load()}`);
  // Bare read before and after (best of 2: the machine is shared), the breakdown, then the import.
  const bare1 = runChild('bare', file, dataDir);
  const scan = runChild('scan', file, dataDir);
  const parse = runChild('parse', file, dataDir);
  const aggregate = runChild('aggregate', file, dataDir);
  const imported = runChild('import', file, dataDir);
  const bare2 = runChild('bare', file, dataDir);
  const bare = rate(bare1) > rate(bare2) ? bare1 : bare2;

  const check = await openDatabase({ dataDir });
  let rows: number;
  let raws: number;
  let floorSeconds: number;
  try {
    rows = Number((await check.selectFrom('inventory_destinations').select(check.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    raws = Number((await check.selectFrom('inventory_sightings').select(check.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    // SQLite's floor for holding these raw rows: the import's final raw rows copied by SQLite
    // itself (no JavaScript, no binding, key order, one transaction) into an empty table of the
    // same layout (key and day index). Whatever the import does, its database must do this much.
    const t0 = performance.now();
    await check.transaction().execute(async (trx) => {
      await sql`CREATE TABLE bench_floor (site text NOT NULL, role text NOT NULL, destination text NOT NULL, port integer NOT NULL, protocol text NOT NULL, direction text NOT NULL, host_key text NOT NULL, day text NOT NULL, source text NOT NULL, process text, first_seen text NOT NULL, last_seen text NOT NULL, hits integer NOT NULL, PRIMARY KEY (site, role, destination, port, protocol, direction, host_key, day, source))`.execute(trx);
      await sql`CREATE INDEX bench_floor_day ON bench_floor (day)`.execute(trx);
      await sql`INSERT INTO bench_floor SELECT * FROM inventory_sightings ORDER BY site, role, destination, port, protocol, direction, host_key, day, source`.execute(trx);
    });
    floorSeconds = (performance.now() - t0) / 1000;
  } finally {
    await check.destroy();
  }
  const commitSeconds = imported.commitSeconds ?? 0;
  const readSeconds = imported.seconds - commitSeconds;
  console.log(`  imported ${imported.imported?.toLocaleString('en')} lines, ${imported.unmapped?.toLocaleString('en')} from unmapped clients, ${imported.rejected} rejected; ${rows.toLocaleString('en')} inventory rows, ${raws.toLocaleString('en')} raw sightings (${(imported.lines / raws).toFixed(1)} lines each); log shape: ${SPARSE ? '--sparse' : 'habitual destinations'}`);
  console.log(`  bare line-split read : ${perSecond(rate(bare))} lines (best of 2: ${bare1.seconds.toFixed(2)} s, ${bare2.seconds.toFixed(2)} s); peak RSS ${mb(bare.peakRss)}`);
  console.log(`  import               : ${perSecond(rate(imported))} lines (${imported.seconds.toFixed(1)} s); peak RSS ${mb(imported.peakRss)} (target <= 200 MB)`);
  console.log(`  ratio import / bare  : ${(rate(imported) / rate(bare)).toFixed(3)} (target >= 0.5)`);
  console.log('  where the import\'s time goes (same file, same run):');
  console.log(`    fields found only  : ${perSecond(rate(scan))} lines (${(rate(scan) / rate(bare)).toFixed(2)} of the bare read: the least a parse does, so a bound on any import)`);
  console.log(`    parse only         : ${perSecond(rate(parse))} lines (${(rate(parse) / rate(bare)).toFixed(2)} of the bare read)`);
  console.log(`    parse + aggregate  : ${perSecond(rate(aggregate))} lines (${(rate(aggregate) / rate(bare)).toFixed(2)} of the bare read; no database, never commits: peak RSS ${mb(aggregate.peakRss)})`);
  console.log(`    import, reading    : ${readSeconds.toFixed(1)} s (${perSecond(imported.lines / readSeconds)} lines)`);
  console.log(`    import, commits    : ${commitSeconds.toFixed(1)} s in ${imported.commits} commits (${perSecond(raws / commitSeconds)} raw sightings written, at least)`);
  console.log(`  SQLite's floor       : ${floorSeconds.toFixed(1)} s to copy the ${raws.toLocaleString('en')} raw rows inside SQLite into an empty table of the same layout (${(floorSeconds / bare.seconds).toFixed(1)}x the bare read; the whole import has ${(2 * bare.seconds).toFixed(1)} s at 0.5)`);
  console.log(`  load average         : ${load()}`);
}

const ROLES = ['workstation', 'workstation', 'workstation', 'workstation', 'workstation', 'workstation', 'server', 'biomedical', 'imaging', 'kiosk'] as const;

/** The roll-up of H hosts x 50 destinations, inserted as the feed would leave it. */
async function seedInventory(db: Database): Promise<number> {
  const random = rng(100);
  const pool = 20_000;
  const rows = new Map<string, { role: string; destination: string; port: number; hosts: number; sample: string[]; processes: Record<string, number> }>();
  for (let h = 0; h < HOSTS; h++) {
    const role = ROLES[h % ROLES.length]!;
    const host = `host-${h}`;
    for (let k = 0; k < PER_HOST; k++) {
      const i = Math.floor(pool * random() ** 4);
      const destination = poolName(i);
      const port = i % 7 === 0 ? 8443 : 443;
      const key = `${role}|${destination}|${port}`;
      let row = rows.get(key);
      if (row === undefined) rows.set(key, (row = { role, destination, port, hosts: 0, sample: [], processes: {} }));
      row.hosts += 1;
      if (row.sample.length < 10) row.sample.push(host);
      const p = ['chrome.exe', 'RisClient.exe', 'svchost.exe', 'java'][i % 4]!;
      row.processes[p] = (row.processes[p] ?? 0) + 1;
    }
  }
  const judge = inventoryJudge(loadShippedPacks(), new Map(), NOW);
  const values = [...rows.values()].map((r) => {
    const c = canonicalDestination(r.destination)!;
    const judged = judge.judge({ site: SITE, role: r.role, destination: c.destination, kind: c.kind, port: r.port, protocol: 'tcp', direction: 'egress', addresses: [], hosts_sample: r.sample });
    return {
      site: SITE,
      role: r.role,
      destination: c.destination,
      port: r.port,
      protocol: 'tcp',
      direction: 'egress',
      kind: c.kind,
      domain: c.domain,
      internal: judged.verdict === 'internal' ? 1 : 0,
      hosts_count: r.hosts,
      hosts_sample: toDbJson(r.sample),
      processes: toDbJson(r.processes),
      sources: toDbJson({ 'agent:dns-client-event': r.hosts }),
      addresses: toDbJson([]),
      first_seen: toDbTime(new Date(NOW.getTime() - 20 * 86_400_000)),
      last_seen: toDbTime(NOW),
      days_seen: 20,
      last_day: '2025-06-02',
      verdict: judged.verdict,
      verdict_entry: judged.entry,
      verdict_reason: judged.reason.slice(0, 1000),
    };
  });
  for (let i = 0; i < values.length; i += 500) await db.insertInto('inventory_destinations').values(values.slice(i, i + 500)).execute();
  return values.length;
}

async function timed<T>(samples: number[], run: () => Promise<T>): Promise<T> {
  const started = process.hrtime.bigint();
  const out = await run();
  samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  return out;
}

function line(name: string, samples: number[], baselineP95?: number): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const p95 = percentile(sorted, 95);
  const ratio = baselineP95 === undefined ? '' : `  ${(p95 / baselineP95).toFixed(1)}x the bare read`;
  return `  ${name.padEnd(34)} n=${String(samples.length).padStart(4)}  p50 ${percentile(sorted, 50).toFixed(1).padStart(7)} ms  p95 ${p95.toFixed(1).padStart(7)} ms${ratio}`;
}

async function benchQuery(dir: string): Promise<void> {
  const db = await openDatabase({ dataDir: join(dir, 'query-db') });
  try {
    const seeding = Date.now();
    const rows = await seedInventory(db);
    console.log(`inventory query: site ${SITE}, ${HOSTS.toLocaleString('en')} hosts x ${PER_HOST} destinations = ${rows.toLocaleString('en')} inventory rows (seeded in ${((Date.now() - seeding) / 1000).toFixed(1)} s)`);
    const bare: number[] = [];
    const pages: number[] = [];
    const unlisted: number[] = [];
    const search: number[] = [];
    const pageData: number[] = [];
    const filter: InventoryFilter = { site: SITE };
    // Bare read: 50 rows of the site by its primary key index, no filter, no cursor.
    for (let i = 0; i < 50; i++) await timed(bare, () => db.selectFrom('inventory_destinations').selectAll().where('site', '=', SITE).limit(50).execute());
    // Every page of the site's inventory by keyset cursor (at most 2,000 pages).
    let cursor: string | undefined;
    let walked = 0;
    for (let n = 0; n < 2000; n++) {
      const page = await timed(pages, () => listInventory(db, filter, 50, cursor));
      walked += page.rows.length;
      if (page.next === null) break;
      cursor = page.next;
    }
    for (let i = 0; i < 30; i++) await timed(unlisted, () => listInventory(db, { site: SITE, role: 'workstation', unlisted: true }, 50));
    for (let i = 0; i < 30; i++) await timed(search, () => listInventory(db, { site: SITE, q: `editeur${i * 7}` }, 50));
    const packs = loadShippedPacks();
    for (let i = 0; i < 10; i++) {
      await timed(pageData, () => Promise.all([listInventory(db, filter, 50), inventoryCoverage(db, SITE), domainGroups(db, filter), entryUse(db, packs, new Map(), NOW, SITE)]));
    }
    const baseP95 = percentile([...bare].sort((a, b) => a - b), 95);
    console.log(line('bare indexed read of 50 rows', bare));
    console.log(line(`keyset pages (${walked.toLocaleString('en')} rows walked)`, pages, baseP95));
    console.log(line('first page, workstation, unlisted', unlisted, baseP95));
    console.log(line('first page, name contains', search, baseP95));
    console.log(line('whole page data (table+coverage+', pageData, baseP95));
    console.log('    domains+entry use)');
    console.log(`  target: inventory pages p95 <= 200 ms`);
    console.log(`  load average: ${load()}`);
  } finally {
    await db.destroy();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'vigie-bench-destinations-'));
try {
  console.log(`destinations bench (${FULL ? '--full' : 'short; --full for the issue sizes'}), load average at start: ${load()}`);
  if (!process.argv.includes('--query-only')) await benchImport(dir);
  if (!process.argv.includes('--import-only')) await benchQuery(dir);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
