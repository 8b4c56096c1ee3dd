// Nightly audit of a large simulated estate on SQLite: 100,000 hosts by default (VIGIE_BENCH_HOSTS
// or the first argument, at most 200,000), each with a current report from the demo fleet's
// templates. Prints the audit's wall time and cost per host, beside two baselines measured in the
// same run on the same rows: reading them only, and reading + evaluate() without waivers, diff or
// storage. Target: the audit within 30 s on this 2-core machine.
//   npx tsx bench/audit.bench.ts [HOSTS]
import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate } from '../policies/evaluate.js';
import type { Report } from '../policies/evidence.js';
import { loadShippedPacks } from '../policies/pack.js';
import { packOf, runAudit } from '../server/audit/run.js';
import { toDbJson, toDbTime } from '../server/db/columns.js';
import { hostEvidenceBatches } from '../server/db/audits.js';
import { openDatabase } from '../server/db/database.js';
import type { HostsTable, ReportsTable } from '../server/db/schema.js';
import { simulatedFleet } from '../server/demo/fleet.js';

const MAX_HOSTS = 200_000;
const requested = Number(process.argv[2] ?? process.env.VIGIE_BENCH_HOSTS ?? 100_000);
if (!Number.isInteger(requested) || requested < 1 || requested > MAX_HOSTS) {
  throw new Error(`host count must be an integer in [1, ${MAX_HOSTS}]`);
}
const HOSTS = requested;
const TARGET_MS = 30_000;
const now = new Date();

const dataDir = mkdtempSync(join(tmpdir(), 'vigie-audit-bench-'));
const db = await openDatabase({ dataDir });
const packs = loadShippedPacks();
const templates = simulatedFleet();

try {
  // ---- set-up (not timed): sites, hosts, one current report each, in large transactions.
  const setupStart = performance.now();
  const sites = [...new Set(templates.map((s) => s.identity.site))];
  await db.insertInto('sites').values(sites.map((site) => ({ site, created_at: toDbTime(now) }))).execute();
  const CHUNK = 1000;
  for (let start = 0; start < HOSTS; start += CHUNK) {
    const hosts: Insertable<HostsTable>[] = [];
    const reports: Insertable<ReportsTable>[] = [];
    for (let i = start; i < Math.min(HOSTS, start + CHUNK); i++) {
      const template = templates[i % templates.length]!;
      const hostId = randomUUID();
      // Collected an hour ago (fresh); one host in 50 silent for two days (stale).
      const collected = new Date(now.getTime() - (i % 50 === 0 ? 48 : 1) * 3_600_000);
      const report: Report = template.report(hostId, collected);
      const hostname = `${template.identity.hostname}-${i}`;
      report.host.hostname = hostname;
      report.report_id = randomUUID();
      hosts.push({
        host_id: hostId,
        hostname,
        os: toDbJson(template.identity.os),
        role: template.identity.role,
        site: template.identity.site,
        agent_version: '0.1.0-bench',
        enrolled_at: toDbTime(collected),
        last_seen_at: toDbTime(collected),
        revoked_at: null,
        credential_hash: 'x'.repeat(64),
        current_report_id: report.report_id,
        current_collected_at: report.collected_at,
      });
      reports.push({ report_id: report.report_id, host_id: hostId, collected_at: report.collected_at, received_at: report.collected_at, body: toDbJson(report) });
    }
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < hosts.length; i += 50) await trx.insertInto('hosts').values(hosts.slice(i, i + 50)).execute();
      for (let i = 0; i < reports.length; i += 50) await trx.insertInto('reports').values(reports.slice(i, i + 50)).execute();
    });
  }
  console.log(`set-up: ${HOSTS} hosts with reports in ${((performance.now() - setupStart) / 1000).toFixed(1)} s (not timed)`);

  // ---- baseline 1: read every host's current report (the audit's I/O floor).
  let t0 = performance.now();
  let read = 0;
  for await (const batch of hostEvidenceBatches(db)) read += batch.length;
  const readMs = performance.now() - t0;

  // ---- baseline 2: read + evaluate() only (the audit's judging floor).
  t0 = performance.now();
  let verdicts = 0;
  for await (const batch of hostEvidenceBatches(db)) {
    for (const host of batch) if (host.body !== null) verdicts += evaluate(host.body as Report, packOf(host, packs), now).length;
  }
  const evaluateMs = performance.now() - t0;

  // ---- the audit, twice: the first has no previous audit, the second computes the diff.
  const runs: number[] = [];
  for (let i = 0; i < 2; i++) {
    t0 = performance.now();
    const result = await runAudit(db, { packs, now: new Date(now.getTime() + i * 60_000), trigger: 'manual', scheduledFor: null, actor: { type: 'system', id: 'bench' } });
    runs.push(performance.now() - t0);
    if (result.summary.hosts !== HOSTS) throw new Error(`audit saw ${result.summary.hosts} hosts, expected ${HOSTS}`);
    if (i === 0) console.log(`audit summary: ${JSON.stringify(result.summary)}`);
  }

  const perHost = (ms: number) => `${((ms * 1000) / HOSTS).toFixed(1)} µs/host`;
  console.log(`hosts: ${read}, verdicts evaluated: ${verdicts}`);
  console.log(`baseline read only        : ${(readMs / 1000).toFixed(2)} s (${perHost(readMs)})`);
  console.log(`baseline read + evaluate  : ${(evaluateMs / 1000).toFixed(2)} s (${perHost(evaluateMs)})`);
  console.log(`audit (first, no diff)    : ${(runs[0]! / 1000).toFixed(2)} s (${perHost(runs[0]!)}), ${(runs[0]! / evaluateMs).toFixed(2)}x read+evaluate`);
  console.log(`audit (second, with diff) : ${(runs[1]! / 1000).toFixed(2)} s (${perHost(runs[1]!)}), ${(runs[1]! / evaluateMs).toFixed(2)}x read+evaluate`);
  const worst = Math.max(...runs);
  console.log(`target <= ${TARGET_MS / 1000} s: ${worst <= TARGET_MS ? 'met' : 'MISSED'} (worst run ${(worst / 1000).toFixed(2)} s; machine shared, figures noisy)`);
} finally {
  await db.destroy();
  rmSync(dataDir, { recursive: true, force: true });
}
