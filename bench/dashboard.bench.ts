// Dashboard pages at fleet scale (issue 15): server time (p50 / p95 over repeated requests, through
// Fastify's inject: routing, guard, queries, rendering; no network) of the overview, a hosts page
// with three filters, a deep keyset page, a host detail and the rules page, on SQLite and on
// PostgreSQL. The estate: HOSTS hosts over 10 sites, each with a current report (the demo fleet's
// templates, judged as at ingestion), one real nightly audit, and DAYS days of trend rows (the
// days before the audit are server/demo/trend-history.ts's simulated history).
// Baselines measured in the same run, interleaved with the pages: GET /healthz (the framework's
// floor) and GET /account (a signed-in page that reads one row).
// Targets: overview and hosts pages p95 <= 200 ms, host detail p95 <= 100 ms, on both databases.
//   npm run bench -- dashboard                 short run: 2,000 hosts, 30 days, 15 rounds (< 60 s)
//   npm run bench -- dashboard --full          100,000 hosts, 90 days, 30 rounds (minutes of set-up)
//   npx tsx bench/dashboard.bench.ts --hosts N --days D --rounds R --db sqlite|postgres
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Insertable } from 'kysely';
import { evaluate } from '../policies/evaluate.js';
import { loadShippedPacks, packFor, packLabel, type Pack } from '../policies/pack.js';
import { runAudit } from '../server/audit/run.js';
import { encodeCursor } from '../server/dashboard/data/hosts.js';
import { toDbJson, toDbTime } from '../server/db/columns.js';
import type { HostsTable, ReportsTable } from '../server/db/schema.js';
import { trendDay } from '../server/db/trends.js';
import { verdictSetRecord } from '../server/db/verdicts.js';
import { simulatedFleet } from '../server/demo/fleet.js';
import { seedTrendHistory } from '../server/demo/trend-history.js';
import { packFingerprint } from '../server/verdicts/pack-fingerprint.js';
import { buildApp, type App } from '../server/app.js';
import { resolveConfig } from '../server/config.js';
import { openDatabase } from '../server/db/database.js';
import type { Database } from '../server/db/schema.js';
import { fullSession } from '../tests/server/auth/helpers.js';
import { startPostgres, type PostgresCluster } from '../tests/helpers/postgres.js';

const { values } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    hosts: { type: 'string' },
    days: { type: 'string' },
    rounds: { type: 'string' },
    db: { type: 'string' },
    // Keep the seeded estate to measure again (profiling, a fix): a folder for SQLite, a database
    // URL for PostgreSQL; when it already holds hosts, the set-up is skipped.
    keep: { type: 'string' },
    'database-url': { type: 'string' },
  },
  strict: false,
});
const bounded = (text: unknown, fallback: number, min: number, max: number) => {
  const n = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`expected an integer in [${min}, ${max}], got ${String(text)}`);
  return n;
};
const HOSTS = bounded(values.hosts, values.full === true ? 100_000 : 2_000, 10, 200_000);
const DAYS = bounded(values.days, values.full === true ? 90 : 30, 2, 400);
const ROUNDS = bounded(values.rounds, values.full === true ? 30 : 15, 3, 1000);
const WARMUP = 2;
if (values.db !== undefined && values.db !== 'sqlite' && values.db !== 'postgres') throw new Error('--db must be sqlite or postgres');
const DBS: Array<'sqlite' | 'postgres'> = values.db === undefined ? ['sqlite', 'postgres'] : [values.db];
const SITES = ['chu-nord', 'ch-plateau', 'ch-riviere', 'chi-vallee', 'ch-lac', 'ch-montagne', 'ch-port', 'ch-foret', 'ch-plaine', 'ch-cote'];
const TARGETS: Record<string, number> = { overview: 200, 'hosts, 3 filters': 200, 'hosts, deep keyset page': 200, 'host detail': 100, rules: 200 };

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** HOSTS hosts with a current report each, judged as ingestion judges them; the pages' inputs. */
async function seedHosts(db: Database, packs: Map<string, Pack>): Promise<void> {
  const templates = simulatedFleet();
  const now = new Date();
  await db.insertInto('sites').values(SITES.map((site) => ({ site, created_at: toDbTime(now) }))).execute();
  const judged = new Map<string, { label: string; fingerprint: string; verdicts: ReturnType<typeof evaluate> }>();
  // Each template's report is built once, as JSON text with markers for the ids and the name
  // (building 100,000 reports from scratch would make the set-up several times longer).
  const bodies = templates.map((template) => {
    const report = template.report('00000000-0000-4000-8000-00000000host', now);
    report.report_id = '00000000-0000-4000-8000-000000report';
    report.host.hostname = '@@hostname@@';
    return { report, text: JSON.stringify(report) };
  });
  const CHUNK = 500;
  for (let start = 0; start < HOSTS; start += CHUNK) {
    const hosts: Insertable<HostsTable>[] = [];
    const reports: Insertable<ReportsTable>[] = [];
    for (let i = start; i < Math.min(HOSTS, start + CHUNK); i++) {
      const t = i % templates.length;
      const template = templates[t]!;
      const site = SITES[Math.floor(i / templates.length) % SITES.length]!;
      const hostId = randomUUID();
      // Seen within the hour; one host in 50 silent for two days (stale), one in 200 never reported.
      const never = i % 200 === 199;
      const collected = new Date(now.getTime() - (i % 50 === 0 ? 48 : 1) * 3_600_000);
      const hostname = `${template.identity.hostname}-${String(i).padStart(6, '0')}`;
      let reportId: string | null = null;
      if (!never) {
        reportId = randomUUID();
        const pack = packFor(template.identity.role, site, packs, new Map());
        const key = `${t}|${packLabel(pack)}`;
        let verdicts = judged.get(key);
        if (verdicts === undefined) {
          verdicts = { label: packLabel(pack), fingerprint: packFingerprint(pack), verdicts: evaluate(bodies[t]!.report, pack, now) };
          judged.set(key, verdicts);
        }
        const record = verdictSetRecord({ report_id: reportId, host_id: hostId }, verdicts.verdicts, verdicts, collected);
        const body = bodies[t]!.text.replaceAll('00000000-0000-4000-8000-00000000host', hostId).replaceAll('00000000-0000-4000-8000-000000report', reportId).replaceAll('@@hostname@@', hostname).replace(`"collected_at":"${now.toISOString()}"`, `"collected_at":"${collected.toISOString()}"`);
        reports.push({
          report_id: reportId,
          host_id: hostId,
          collected_at: toDbTime(collected),
          received_at: toDbTime(collected),
          body,
          evaluated_at: record.evaluated_at,
          pack_label: record.pack_label,
          pack_fingerprint: record.pack_fingerprint,
          statuses: record.statuses,
          ...record.summary,
          details: null,
        });
      }
      hosts.push({
        host_id: hostId,
        hostname,
        enrolled_hostname: hostname,
        os: toDbJson(template.identity.os),
        role: template.identity.role,
        site,
        agent_version: '0.1.0-bench',
        enrolled_at: toDbTime(new Date(now.getTime() - 120 * 86_400_000)),
        last_seen_at: never ? null : toDbTime(collected),
        revoked_at: null,
        credential_hash: 'x'.repeat(64),
        current_report_id: reportId,
        current_collected_at: never ? null : toDbTime(collected),
      });
    }
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < hosts.length; i += 100) await trx.insertInto('hosts').values(hosts.slice(i, i + 100)).execute();
      for (let i = 0; i < reports.length; i += 50) await trx.insertInto('reports').values(reports.slice(i, i + 50)).execute();
    });
  }
}

interface Probe {
  name: string;
  url: string;
}

/** The app as the server builds it (routes, guard, pages), without listening or its scheduled jobs. */
interface BenchServer {
  app: App;
  db: Database;
}

async function measure(server: BenchServer, packs: Map<string, Pack>, kind: string): Promise<void> {
  const db = server.db;
  const seeded = await db.selectFrom('hosts').select((eb) => eb.fn.countAll<number | string | bigint>().as('n')).executeTakeFirstOrThrow();
  if (Number(seeded.n) > 0) {
    console.log(`[${kind}] kept estate: ${Number(seeded.n)} hosts already seeded (set-up skipped; load ${load()})`);
  } else await setUp(db, packs, kind);
  await probe(server, kind, Number(seeded.n) > 0 ? Number(seeded.n) : HOSTS);
}

async function setUp(db: Database, packs: Map<string, Pack>, kind: string): Promise<void> {
  let t0 = performance.now();
  await seedHosts(db, packs);
  console.log(`[${kind}] set-up: ${HOSTS} hosts with current reports in ${seconds(performance.now() - t0)} (not timed; load ${load()})`);
  t0 = performance.now();
  const audit = await runAudit(db, { packs, now: new Date(), trigger: 'manual', scheduledFor: null, actor: { type: 'system', id: 'bench' } });
  console.log(`[${kind}] nightly audit: ${audit.summary.hosts} hosts in ${seconds(performance.now() - t0)} (not timed)`);
  t0 = performance.now();
  const rows = await seedTrendHistory(db, trendDay(new Date()), { days: DAYS });
  console.log(`[${kind}] trend history: ${DAYS} days, ${rows} rule rows before the audit's day, in ${seconds(performance.now() - t0)} (not timed)`);
}

async function probe(server: BenchServer, kind: string, hosts: number): Promise<void> {
  const db = server.db;

  const rssi = await fullSession(server.app, db, `bench-rssi-${randomUUID().slice(0, 8)}`, 'rssi', new Date());
  // The inputs of the probes: a failing host, a site and role with failures, a cursor 90 % deep.
  const failing = await db.selectFrom('hosts as h').innerJoin('reports as r', 'r.report_id', 'h.current_report_id').select(['h.host_id', 'h.site', 'h.role']).where('r.fail', '>', 0).where('h.role', '=', 'workstation').limit(1).executeTakeFirstOrThrow();
  const deep = await db
    .selectFrom('hosts')
    .select(['site', 'hostname', 'host_id'])
    .where('revoked_at', 'is', null)
    .orderBy('site')
    .orderBy('hostname')
    .orderBy('host_id')
    .offset(Math.floor(hosts * 0.9))
    .limit(1)
    .executeTakeFirstOrThrow();
  const probes: Probe[] = [
    { name: 'baseline /healthz', url: '/healthz' },
    { name: 'baseline /account', url: '/account' },
    { name: 'overview', url: '/overview' },
    { name: 'hosts, 3 filters', url: `/hosts?site=${failing.site}&role=${failing.role}&any=fail` },
    { name: 'hosts, deep keyset page', url: `/hosts?after=${encodeCursor(deep)}` },
    { name: 'host detail', url: `/hosts/${failing.host_id}` },
    { name: 'rules', url: '/rules' },
  ];
  const times = new Map<string, number[]>(probes.map((p) => [p.name, []]));
  const loadBefore = load();
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    // Interleaved: a load spike on the shared machine hits every probe alike.
    for (const probe of probes) {
      const start = performance.now();
      const response = await server.app.inject({ method: 'GET', url: probe.url, cookies: rssi.cookies });
      const ms = performance.now() - start;
      if (response.statusCode !== 200) throw new Error(`${probe.url} answered ${response.statusCode}: ${response.body.slice(0, 300)}`);
      if (round >= WARMUP) times.get(probe.name)!.push(ms);
    }
  }
  console.log(`[${kind}] ${hosts} hosts, ${SITES.length} sites, ${DAYS} days of trends; ${ROUNDS} rounds after ${WARMUP} warm-up; load average before ${loadBefore}, after ${load()}`);
  const floor = percentile(times.get('baseline /account')!, 95);
  for (const probe of probes) {
    const ms = times.get(probe.name)!;
    const p95 = percentile(ms, 95);
    const target = TARGETS[probe.name];
    const verdict = target === undefined ? '' : `  target <= ${target} ms: ${p95 <= target ? 'met' : 'MISSED'}`;
    console.log(`  ${probe.name.padEnd(26)} p50 ${percentile(ms, 50).toFixed(1).padStart(7)} ms  p95 ${p95.toFixed(1).padStart(7)} ms  (${(p95 / floor).toFixed(1)}x /account)${verdict}`);
  }
}

for (const kind of DBS) {
  const kept = kind === 'sqlite' ? values.keep : values['database-url'];
  const dataDir = kind === 'sqlite' && typeof kept === 'string' ? kept : mkdtempSync(join(tmpdir(), 'vigie-dashboard-bench-'));
  let pg: PostgresCluster | undefined;
  let db: Database | undefined;
  let app: App | undefined;
  try {
    let databaseUrl: string | null = null;
    if (kind === 'postgres' && typeof kept === 'string') databaseUrl = kept;
    else if (kind === 'postgres') {
      pg = await startPostgres();
      databaseUrl = await pg.createDatabase();
    }
    const packs = loadShippedPacks();
    db = await openDatabase({ dataDir, databaseUrl });
    app = buildApp({ db, config: resolveConfig({ dataDir, databaseUrl, port: 0, logLevel: 'silent' }, {}), packs });
    await app.ready();
    await measure({ app, db }, packs, kind);
  } finally {
    await app?.close();
    await db?.destroy();
    await pg?.stop();
    if (dataDir !== kept) rmSync(dataDir, { recursive: true, force: true });
  }
}
