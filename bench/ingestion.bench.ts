// Ingestion benchmark (issue 6): realistic ~8 KB reports POSTed with autocannon against
//   (a) a bare Fastify endpoint that parses + validates the same Report schema and answers 204,
//   (b) Vigie's POST /api/v1/reports (auth, duplicate check, evaluation, group commit, 201),
// in the same run, on SQLite and on PostgreSQL (a throwaway cluster, as the tests start one).
// Each server runs in its own process (bench/ingestion-target.ts); autocannon runs here.
// Every request carries a fresh report_id; reports are spread over BENCH_HOSTS enrolled hosts so
// the per-agent rate limit (120/min by default) never bites: the limit stays on, as in production.
// Targets on SQLite: throughput ratio vigie/bare >= 0.6; p99 <= 50 ms at a fixed 1,000 reports/s.
//
// Env: VIGIE_BENCH_SECONDS (default 10), VIGIE_BENCH_CONNECTIONS (50), VIGIE_BENCH_DB
// (sqlite,postgres), VIGIE_BENCH_GROUP_COMMIT ("maxBatch,maxWaitMs", passed to the server),
// VIGIE_BENCH_CPU_PROF (a directory: CPU profiles of the server processes).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { Listener, OutboundFlow, Report } from '../policies/evidence.js';
import { startPostgres, type PostgresCluster } from '../tests/helpers/postgres.js';
import { assertValidReport, buildReport, hoursBefore, listener } from '../tests/helpers/report-builder.js';

const SECONDS = Math.min(Math.max(Number(process.env.VIGIE_BENCH_SECONDS ?? 10), 1), 60);
const CONNECTIONS = Math.min(Math.max(Number(process.env.VIGIE_BENCH_CONNECTIONS ?? 50), 1), 500);
const FIXED_RATE = 1000;
const BENCH_HOSTS = 1000;
const TARGET_BYTES = 8 * 1024;
const DBS = (process.env.VIGIE_BENCH_DB ?? 'sqlite,postgres').split(',').filter((d) => d === 'sqlite' || d === 'postgres');

interface Target {
  url: string;
  hosts: Array<{ host_id: string; credential: string; site: string; role: string }>;
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

/** A realistic report padded with listeners and 24 h of outbound flows to about 8 KB of JSON. */
function templateReport(): Report {
  const base = buildReport({ host: { host_id: 'HOSTID', site: 'SITEID', hostname: 'srv-bench.ch-demo.local' } });
  if ('unavailable' in base.network || 'unavailable' in base.network.outbound) throw new Error('builder network unavailable');
  const builtListeners = 'unavailable' in base.network.listeners ? [] : base.network.listeners;
  const listeners: Listener[] = [
    ...builtListeners,
    listener(443, '0.0.0.0', 'tcp', 'nginx'),
    listener(80, '0.0.0.0', 'tcp', 'nginx'),
    listener(9100, '10.0.0.5', 'tcp', 'node_exporter'),
    listener(5666, '10.0.0.5', 'tcp', 'nrpe'),
    listener(111, '0.0.0.0', 'tcp', 'rpcbind'),
    listener(323, '127.0.0.1', 'udp', 'chronyd'),
    listener(25, '127.0.0.1', 'tcp', 'exim4'),
    listener(8080, '127.0.0.1', 'tcp', 'java'),
  ];
  const flows: OutboundFlow[] = [];
  const remotes = [
    ['10.0.0.53', 53, 'udp', 'ns1.ch-demo.local', 'systemd-resolve'],
    ['10.0.0.20', 514, 'udp', 'syslog.ch-demo.local', 'rsyslogd'],
    ['10.0.1.10', 5432, 'tcp', 'db-dpi.ch-demo.local', 'java'],
    ['10.0.0.30', 443, 'tcp', 'vigie.ch-demo.local', 'vigie-agent'],
    ['192.0.2.44', 443, 'tcp', 'updates.vendor-imagerie.example', 'updater'],
    ['198.51.100.7', 443, 'tcp', 'deb.debian.org', 'apt'],
    ['10.0.2.15', 2049, 'tcp', 'nas-pacs.ch-demo.local', 'kernel'],
    ['10.0.0.40', 123, 'udp', 'ntp.ch-demo.local', 'chronyd'],
  ] as const;
  const report = structuredClone(base);
  for (let i = 0; JSON.stringify(report).length < TARGET_BYTES && i < 200; i++) {
    const [address, port, protocol, fqdn, process] = remotes[i % remotes.length]!;
    flows.push({
      protocol,
      remote_address: address,
      remote_port: port,
      remote_fqdn: fqdn,
      process,
      pid: 2000 + i,
      first_seen: hoursBefore(23, i * 7),
      last_seen: hoursBefore(1, i * 3),
    });
    if (!('unavailable' in report.network) && !('unavailable' in report.network.outbound)) {
      report.network.listeners = listeners;
      report.network.outbound.flows = [...flows];
    }
  }
  return assertValidReport(report);
}

/** Per-request bodies: fresh report_id, hosts in turn (their own id and site). */
function bodyFactory(template: Report, hosts: Target['hosts']): () => { body: string; authorization: string } {
  const json = JSON.stringify({ ...template, report_id: 'REPORTID' });
  const [beforeId, rest] = json.split('"REPORTID"') as [string, string];
  let next = 0;
  return () => {
    const host = hosts.length === 0 ? { host_id: 'HOSTID', site: 'SITEID', credential: 'none' } : hosts[next++ % hosts.length]!;
    const body = `${beforeId}"${randomUUID()}"${rest}`.replace('"HOSTID"', `"${host.host_id}"`).replace('"SITEID"', `"${host.site}"`);
    return { body, authorization: `Bearer ${host.credential}` };
  };
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

async function load(target: Target, template: Report, overallRate?: number): Promise<RunResult> {
  const make = bodyFactory(template, target.hosts);
  const cpuBefore = cpuSecondsOf(target.child.pid!);
  const result = await autocannon({
    url: target.url,
    connections: CONNECTIONS,
    duration: SECONDS,
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
