// Ingestion benchmark (issue 6): realistic ~8 KB reports POSTed with autocannon against
//   (a) a bare Fastify endpoint that parses + validates the same Report schema and answers 204,
//   (b) Vigie's POST /api/v1/reports (auth, duplicate check, evaluation, group commit, 201),
// in the same run, on SQLite and on PostgreSQL (a throwaway cluster, as the tests start one).
// Each server runs in its own process (bench/ingestion-target.ts); autocannon runs here. Each is
// loaded for 3 s before it is measured (both alike). The server CPU per request counts all its
// threads (the SQLite ingestion thread included), read from /proc.
// Every request carries a fresh report_id; reports are spread over BENCH_HOSTS enrolled hosts so
// the per-agent rate limit (120/min by default) never bites: the limit stays on, as in production.
// Targets on SQLite: throughput ratio vigie/bare >= 0.6; p99 <= 50 ms at a fixed 1,000 reports/s.
//
// Env: VIGIE_BENCH_SECONDS (default 10), VIGIE_BENCH_CONNECTIONS (50), VIGIE_BENCH_DB
// (sqlite,postgres), VIGIE_BENCH_GROUP_COMMIT ("maxBatch,maxWaitMs", passed to the server),
// VIGIE_BENCH_CPU_PROF (a directory: CPU profiles of the server processes).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { Report } from '../policies/evidence.js';
import { startPostgres, type PostgresCluster } from '../tests/helpers/postgres.js';
import { bodyFactory, templateReport, type BenchHost } from './ingestion-reports.js';

const SECONDS = Math.min(Math.max(Number(process.env.VIGIE_BENCH_SECONDS ?? 10), 1), 60);
/** Load before measuring, the same for every target: JIT compilation and caches settle first. */
const WARMUP_SECONDS = 3;
const CONNECTIONS = Math.min(Math.max(Number(process.env.VIGIE_BENCH_CONNECTIONS ?? 50), 1), 500);
const FIXED_RATE = 1000;
const BENCH_HOSTS = 1000;
const DBS = (process.env.VIGIE_BENCH_DB ?? 'sqlite,postgres').split(',').filter((d) => d === 'sqlite' || d === 'postgres');

interface Target {
  url: string;
  hosts: BenchHost[];
  child: ChildProcess;
}

/** Start bench/ingestion-target.ts with `args` and wait for its JSON line (bounded: 180 s). */
async function startTarget(args: string[]): Promise<Target> {
  // VIGIE_BENCH_CPU_PROF=DIR writes a V8 CPU profile of each target (server) process there.
  const profile = process.env.VIGIE_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.VIGIE_BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', join(import.meta.dirname, 'ingestion-target.ts'), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: process.env,
  });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('target did not start within 180 s')), 180_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`target exited with ${code}`)));
  });
  const parsed = JSON.parse(first) as Omit<Target, 'child'>;
  return { ...parsed, child };
}

async function stopTarget(target: Target): Promise<void> {
  const exited = new Promise<void>((resolve) => target.child.once('exit', () => resolve()));
  target.child.kill('SIGTERM');
  const timer = setTimeout(() => target.child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/** CPU seconds (user + system, every thread) used so far by process `pid` (Linux /proc). */
function cpuSecondsOf(pid: number): number {
  // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100; // USER_HZ on Linux
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

interface RunResult {
  rps: number;
  /** Server CPU time (all its threads) per answered request, in microseconds. */
  cpuUs: number;
  p50: number;
  p99: number;
  ok: number;
  other: number;
  errors: number;
  timeouts: number;
}

async function load(target: Target, template: Report, overallRate?: number, seconds = SECONDS): Promise<RunResult> {
  const make = bodyFactory(template, target.hosts);
  const cpuBefore = cpuSecondsOf(target.child.pid!);
  const result = await autocannon({
    url: target.url,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 10,
    ...(overallRate === undefined ? {} : { overallRate }),
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const { body, authorization } = make();
          return { ...request, body, headers: { 'content-type': 'application/json', authorization } };
        },
      },
    ],
  });
  const answered = result['2xx'] + result.non2xx;
  return {
    rps: result.requests.average,
    cpuUs: (1e6 * (cpuSecondsOf(target.child.pid!) - cpuBefore)) / Math.max(1, answered),
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    other: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

const fmt = (r: RunResult) =>
  `${r.rps.toFixed(0).padStart(6)} req/s  p50 ${String(r.p50).padStart(4)} ms  p99 ${String(r.p99).padStart(4)} ms  ` +
  `server CPU ${r.cpuUs.toFixed(0).padStart(4)} µs/req  ` +
  `(2xx ${r.ok}, other ${r.other}, errors ${r.errors}, timeouts ${r.timeouts})`;

const template = templateReport();
const size = JSON.stringify(template).length;
console.log(
  `ingestion: ${size} B reports, autocannon ${CONNECTIONS} connections x ${SECONDS} s per run, ${BENCH_HOSTS} enrolled hosts, ` +
    `log level warn (figures are noisy on a shared 2-core machine)`,
);

const bareTarget = await startTarget(['bare']);
let bare: RunResult;
try {
  await load(bareTarget, template, undefined, WARMUP_SECONDS);
  bare = await load(bareTarget, template);
} finally {
  await stopTarget(bareTarget);
}
console.log(`  bare fastify (parse+validate+204):     ${fmt(bare)}`);

let cluster: PostgresCluster | undefined;
const verdicts: string[] = [];
try {
  for (const db of DBS) {
    let url: string | undefined;
    if (db === 'postgres') {
      cluster ??= await startPostgres();
      url = await cluster.createDatabase();
    }
    const target = await startTarget(['vigie', String(BENCH_HOSTS), ...(url === undefined ? [] : [url])]);
    try {
      await load(target, template, undefined, WARMUP_SECONDS);
      const max = await load(target, template);
      const fixed = await load(target, template, FIXED_RATE);
      const ratio = max.rps / bare.rps;
      console.log(`  vigie ${db.padEnd(8)} max throughput:        ${fmt(max)}  ratio ${ratio.toFixed(2)}`);
      console.log(`  vigie ${db.padEnd(8)} fixed ${FIXED_RATE} reports/s:   ${fmt(fixed)}`);
      if (db === 'sqlite') {
        verdicts.push(`sqlite ratio ${ratio.toFixed(2)} (target >= 0.6): ${ratio >= 0.6 ? 'met' : 'NOT met'}`);
        verdicts.push(`sqlite p99 at ${FIXED_RATE}/s ${fixed.p99} ms (target <= 50 ms): ${fixed.p99 <= 50 ? 'met' : 'NOT met'}`);
      }
      if (max.other + max.errors + fixed.other + fixed.errors > 0) verdicts.push(`${db}: some requests were not 2xx (see counts)`);
    } finally {
      await stopTarget(target);
    }
  }
} finally {
  await cluster?.stop();
}
if (cluster !== undefined) console.log('  (PostgreSQL cluster from tests/helpers/postgres.ts: fsync=off, synchronous_commit=off)');
for (const line of verdicts) console.log(`  ${line}`);
