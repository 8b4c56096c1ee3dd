// Agent soak benchmark: the bundled agent runs as a service (`vigie-agent run`) on a one-second
// cron against a real local server for many cycles. Its RSS is sampled every cycle (a leak
// shows as a rising line) and its CPU time is split between cycles and the idle time between
// ticks. Baseline measured in the same run: a bare idle node process with one timer.
// Bounded: CYCLES ticks (about CYCLES seconds), then both processes are stopped.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createEnrollmentToken } from '../server/auth/tokens.js';
import { startServer } from '../server/start.js';

const CYCLES = Number(process.env.VIGIE_BENCH_CYCLES ?? 120);
// The flags the service runs the agent with (agent/packaging/vigie-agent.service, WINDOWS.md):
// a small young generation keeps a mostly idle process's RSS low.
const AGENT_NODE_FLAGS = (process.env.VIGIE_AGENT_NODE_FLAGS ?? '--max-semi-space-size=1').split(' ').filter(Boolean);
// Fewer glibc malloc arenas for libuv's worker threads: less RSS for the same work (also in the unit).
const AGENT_ENV = { ...process.env, MALLOC_ARENA_MAX: '2', VIGIE_LOG_LEVEL: 'warn' };
const ROOT = resolve(import.meta.dirname, '..');
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

interface Sample {
  rssMb: number;
  cpuMs: number;
}

/** RSS and cumulated CPU time of a process, read from /proc. */
function sample(pid: number): Sample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  return { rssMb: rssKb / 1024, cpuMs: (ticks * 1000) / TICKS_PER_SECOND };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(join(tmpdir(), 'vigie-bench-loop-'));
const bundle = join(dir, 'vigie-agent.mjs');
execFileSync(process.execPath, [join(ROOT, 'scripts/bundle-agent.mjs'), bundle], { stdio: 'ignore' });

const dataDir = join(dir, 'server');
const stateDir = join(dir, 'agent');
const server = await startServer({ dataDir, host: '127.0.0.1', port: 0, logLevel: 'silent' });
const { token } = await createEnrollmentToken(server.db, { site: 'chi-vallee', role: 'server', ttlHours: 1 });
// Asynchronous: the server runs in this process and must keep answering.
await promisify(execFile)(process.execPath, [bundle, 'enroll', '--server', server.url, '--token', token, '--state-dir', stateDir]);
const configPath = join(dir, 'agent-config.json');
writeFileSync(configPath, JSON.stringify({ schedule: { cron: '* * * * * *', splay_seconds: 0 } }));

const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });

// Idle phase: an hourly schedule, sampled between ticks after the start-up cycle.
const idleConfig = join(dir, 'agent-idle.json');
writeFileSync(idleConfig, JSON.stringify({ schedule: { cron: '0 0 * * * *', splay_seconds: 0 } }));
const idle = spawn(process.execPath, [...AGENT_NODE_FLAGS, bundle, 'run', '--state-dir', stateDir, '--config', idleConfig], { stdio: 'ignore', env: AGENT_ENV });
await sleep(10_000); // past the start-up cycle and the flow sampler's first sample
const idleStart = sample(idle.pid!);
const bareIdleStart = sample(bare.pid!);
await sleep(10_000);
const idleCpuPerSecond = (sample(idle.pid!).cpuMs - idleStart.cpuMs) / 10;
const bareIdleCpuPerSecond = (sample(bare.pid!).cpuMs - bareIdleStart.cpuMs) / 10;
idle.kill('SIGTERM');
await new Promise((r) => idle.once('exit', r));

const agent = spawn(process.execPath, [...AGENT_NODE_FLAGS, bundle, 'run', '--state-dir', stateDir, '--config', configPath], {
  stdio: 'ignore',
  env: AGENT_ENV,
});
await sleep(3000); // start-up and the first cycle
const agentSamples: Sample[] = [];
const bareSamples: Sample[] = [];
for (let i = 0; i < CYCLES; i++) {
  await sleep(1000);
  agentSamples.push(sample(agent.pid!));
  bareSamples.push(sample(bare.pid!));
}
agent.kill('SIGTERM');
bare.kill('SIGTERM');
await new Promise((r) => agent.once('exit', r));
const reports = await server.db.selectFrom('reports').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
await server.close();

const third = Math.floor(agentSamples.length / 3);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const rssOf = (samples: Sample[]) => mean(samples.map((s) => s.rssMb));
const rssFirst = rssOf(agentSamples.slice(0, third));
const rssMiddle = rssOf(agentSamples.slice(third, 2 * third));
const rssLast = rssOf(agentSamples.slice(2 * third));
const cpuPerSecond = (samples: Sample[]) => (samples[samples.length - 1]!.cpuMs - samples[0]!.cpuMs) / (samples.length - 1);
const agentCpu = cpuPerSecond(agentSamples);
const bareCpu = cpuPerSecond(bareSamples);
const fmt = (n: number) => n.toFixed(1);

console.log(`agent soak: ${CYCLES} one-second cycles of the bundled agent (node ${AGENT_NODE_FLAGS.join(' ')}) against a local server (${Number(reports.n)} reports stored)`);
console.log(`  RSS by thirds of the run: ${fmt(rssFirst)} / ${fmt(rssMiddle)} / ${fmt(rssLast)} MB (last - middle: ${fmt(rssLast - rssMiddle)} MB; bare idle node ${fmt(mean(bareSamples.map((s) => s.rssMb)))} MB; peak ${fmt(Math.max(...agentSamples.map((s) => s.rssMb)))} MB)`);
console.log(`  CPU per cycle:          ${fmt(agentCpu)} ms (collection + spool + send, every second here)`);
console.log(`  idle between ticks:     ${fmt(idleCpuPerSecond)} ms CPU per second (bare idle node ${fmt(bareIdleCpuPerSecond)} ms; during the soak ${fmt(bareCpu)} ms)`);
