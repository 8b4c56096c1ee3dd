// The durable SQLite write of ingestion alone, without HTTP or threads: what storing one ~8 KB
// report costs on this machine (issue 6's ingestion ratio depends on it).
//   (a) baseline: the same JSON text inserted into a table with only a text primary key, in
//       transactions of the same size, same pragmas (WAL, synchronous FULL);
//   (b) SqliteReportWriter (server/ingestion/ingestion-sqlite-writer.ts): enrolment check, report row,
//       verdict set, host last-seen, as the ingestion thread runs it;
// with random (v4) report ids and with time-ordered (v7) ids, as agent/report.ts makes them.
// Prints CPU (user + system of this process) and wall time per report, and the ratio to (a).
//
// Env: VIGIE_BENCH_REPORTS (default 12,000 per variant, at most 50,000).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import type { Report } from '../policies/evidence.js';
import { loadShippedPacks, packFor } from '../policies/pack.js';
import type { AgentIdentity } from '../server/auth/agent-credentials.js';
import { kyselyOverSqlite, openDatabase, openSqliteConnection, SQLITE_FILE_NAME } from '../server/db/database.js';
import { createEnrollmentToken } from '../server/auth/tokens.js';
import { enrollHost } from '../server/agents/enrollment.js';
import { prepareReport, type PreparedReport } from '../server/ingestion/ingestion.js';
import { SqliteReportWriter } from '../server/ingestion/ingestion-sqlite-writer.js';
import { hashSecret, parseCredential } from '../server/secrets/secrets.js';
import { templateReport } from './ingestion-reports.js';

const REPORTS = Math.min(Math.max(Number(process.env.VIGIE_BENCH_REPORTS ?? 12_000), 1_000), 50_000);
const WARMUP = 2_000;
const BATCH = 22; // the mean transaction size of the ingestion benchmark at full load
const HOSTS = 1_000;
const OS = { platform: 'linux', distro: 'Debian GNU/Linux', release: '12', arch: 'x64' } as const;

interface Measure {
  cpuUs: number;
  wallUs: number;
}

/** Run `write` over `items` in batches; CPU and wall time per item, after a warm-up. */
function measure<T>(items: readonly T[], write: (batch: readonly T[]) => void): Measure {
  let i = 0;
  for (; i < WARMUP; i += BATCH) write(items.slice(i, i + BATCH));
  const measured = i;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (; i < items.length; i += BATCH) write(items.slice(i, i + BATCH));
  const wallUs = Number(process.hrtime.bigint() - start) / 1e3;
  const used = process.cpuUsage(cpu);
  const count = items.length - measured;
  return { cpuUs: (used.user + used.system) / count, wallUs: wallUs / count };
}

/** Every prepared report is in `table`, or the figures would time something else. */
function assertAllStored(sqlite: BetterSqlite3.Database, table: 'bare' | 'reports', who: string): void {
  const { n } = sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number };
  if (n !== REPORTS) throw new Error(`${who} stored ${n} of ${REPORTS} reports`);
}

async function variant(label: string, newId: () => string): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigie-bench-writer-'));
  try {
    const now = new Date();
    const db = await openDatabase({ dataDir, databaseUrl: null });
    const agents: AgentIdentity[] = [];
    for (let i = 0; i < HOSTS; i++) {
      const site = `ch-bench-${i % 10}`;
      const { token } = await createEnrollmentToken(db, { site, role: 'server' });
      const enrolled = await enrollHost(db, { token, hostname: `srv-${i}.bench.local`, os: OS, agent_version: '0.1.0' }, now);
      const parsed = parseCredential(enrolled.credential);
      if (parsed === null) throw new Error('enrollment returned a malformed credential');
      agents.push({ host_id: enrolled.host_id, role: 'server', site, credential_hash: hashSecret(parsed.secret) });
    }
    await db.destroy();

    const packs = loadShippedPacks();
    const template = templateReport();
    const prepared: PreparedReport[] = [];
    for (let i = 0; i < REPORTS; i++) {
      const agent = agents[i % HOSTS]!;
      const report: Report = { ...template, report_id: newId(), host: { ...template.host, host_id: agent.host_id, site: agent.site } };
      prepared.push(prepareReport(report, agent, packFor('server', agent.site, packs, new Map()), now, JSON.stringify(report)));
    }

    // (a) the same text, keyed by the same ids, in a table with nothing else.
    const bareFile = join(dataDir, 'bare.sqlite');
    const bareSqlite = openSqliteConnection(bareFile);
    bareSqlite.exec('CREATE TABLE bare (id TEXT PRIMARY KEY, body TEXT NOT NULL)');
    const insert = bareSqlite.prepare('INSERT INTO bare (id, body) VALUES (?, ?)');
    const bareTransaction = bareSqlite.transaction((batch: readonly PreparedReport[]) => {
      for (const item of batch) insert.run(item.row.report_id, item.row.body);
    });
    const bare = measure(prepared, (batch) => bareTransaction.immediate(batch));
    assertAllStored(bareSqlite, 'bare', 'bare insert');
    bareSqlite.close();

    // (b) Vigie's writer, on its own connection as in the ingestion thread.
    const sqlite = openSqliteConnection(join(dataDir, SQLITE_FILE_NAME));
    const writer = new SqliteReportWriter(kyselyOverSqlite(sqlite), sqlite);
    const vigie = measure(prepared, (batch) => {
      // writeBatch runs synchronously inside its promise executor: the write is done on return.
      void writer.writeBatch(batch);
    });
    // A refused report (say, a credential mismatch) is an outcome, not an error, and costs almost
    // nothing: the figure counts only if every report was really stored.
    assertAllStored(sqlite, 'reports', 'SqliteReportWriter');
    sqlite.close();

    const line = (name: string, m: Measure) => `${name} ${m.cpuUs.toFixed(0).padStart(4)} µs CPU, ${m.wallUs.toFixed(0).padStart(4)} µs wall per report`;
    console.log(`  ${label}`);
    console.log(`    ${line('bare insert (id + text): ', bare)}`);
    console.log(`    ${line('SqliteReportWriter:      ', vigie)}   ratio CPU ${(vigie.cpuUs / bare.cpuUs).toFixed(2)}x`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

console.log(
  `report writer: ${JSON.stringify(templateReport()).length} B reports, ${REPORTS} per variant (${WARMUP} warm-up), ` +
    `${BATCH} per transaction, ${HOSTS} hosts, WAL + synchronous FULL`,
);
await variant('random report ids (UUID v4)', randomUUID);
await variant('time-ordered report ids (UUID v7)', uuidv7);
