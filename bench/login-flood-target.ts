// Child process of bench/login-flood.bench.ts: a Vigie server (SQLite, or PostgreSQL when a URL
// is given) with genuine users and enrolled hosts, in its own process so the load generator does
// not share its event loop.
//   tsx bench/login-flood-target.ts <users> <hosts> [postgres-url]
// Prints one JSON line {base, users, hosts} once listening, then serves until SIGTERM.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createAccount } from '../server/auth/accounts.js';
import { createEnrollmentToken } from '../server/auth/tokens.js';
import { startServer } from '../server/start.js';

export const BENCH_PASSWORD = 'genuine users long passphrase';
const OS = { platform: 'linux', distro: 'Debian GNU/Linux', release: '12', arch: 'x64' } as const;

const [usersArg, hostsArg, databaseUrl] = process.argv.slice(2);
const users = Math.min(Math.max(Number(usersArg), 1), 200);
const hostCount = Math.min(Math.max(Number(hostsArg), 1), 200);
const dataDir = mkdtempSync(join(tmpdir(), 'vigie-bench-login-flood-'));
const server = await startServer({ dataDir, databaseUrl: databaseUrl ?? null, host: '127.0.0.1', port: 0, logLevel: (process.env.VIGIE_BENCH_LOG_LEVEL as 'error' | undefined) ?? 'silent' }, { env: {} });
const names: string[] = [];
for (let i = 0; i < users; i++) {
  const username = `nurse${i}`;
  // A password alone logs them in (MFA not yet enrolled): the same Argon2 check as every login.
  await createAccount(server.db, { username, role: 'auditor', password: BENCH_PASSWORD }, { type: 'cli', id: 'bench' }, new Date());
  names.push(username);
}
const hosts: Array<{ host_id: string; credential: string; site: string }> = [];
for (let i = 0; i < hostCount; i++) {
  const { token } = await createEnrollmentToken(server.db, { site: 'ch-bench', role: 'server' });
  const response = await server.app.inject({ method: 'POST', url: '/api/v1/enroll', payload: { token, hostname: `srv-${i}.bench.local`, os: OS, agent_version: '0.1.0' } });
  if (response.statusCode !== 201) throw new Error(`enrollment failed: ${response.body}`);
  hosts.push(response.json());
}
// SIGUSR2 prints (one JSON line on stdout) and resets the event loop delay seen since the last one,
// and the server's CPU time in that span (event loop and hashing threads together), as cores busy.
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
let cpu = process.cpuUsage();
let since = performance.now();
process.on('SIGUSR2', () => {
  const used = process.cpuUsage(cpu);
  const ms = (n: number) => Number((n / 1e6).toFixed(1));
  console.log(JSON.stringify({ loop_p50_ms: ms(loop.percentile(50)), loop_p99_ms: ms(loop.percentile(99)), loop_max_ms: ms(loop.max), cpu_cores: Number(((used.user + used.system) / 1000 / (performance.now() - since)).toFixed(2)) }));
  loop.reset();
  cpu = process.cpuUsage();
  since = performance.now();
});
console.log(JSON.stringify({ base: server.url, users: names, hosts }));
process.once('SIGTERM', () =>
  void server.close().then(() => {
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  }),
);
