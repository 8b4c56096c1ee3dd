// End to end with real processes: a real server on loopback, the real agent CLI enrolling,
// collecting this machine and delivering over HTTP, then the verdicts read back by API.
import t from 'tap';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Compile } from 'typebox/compile';
import { Report } from '../../policies/evidence.js';
import { packForRole } from '../../policies/pack.js';
import { createApiToken, createEnrollmentToken } from '../../server/auth/tokens.js';
import { startServer } from '../../server/start.js';
import { childEnv } from '../helpers/child-env.js';

const AGENT = resolve(import.meta.dirname, '../../bin/vigie-agent.mjs');
const checkReport = Compile(Report);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function agent(args: string[]): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [AGENT, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

async function get<T>(url: string, token: string): Promise<T> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return (await response.json()) as T;
}

t.test('collect --json prints a valid report of this machine without sending it', async (t) => {
  const run = await agent(['collect', '--json', '--state-dir', mkdtempSync(join(tmpdir(), 'vigie-agent-')), '--role', 'server']);
  t.equal(run.code, 0, run.stderr);
  const report: unknown = JSON.parse(run.stdout);
  t.ok(checkReport.Check(report), JSON.stringify([...checkReport.Errors(report)].slice(0, 3)));
  const typed = report as Report;
  t.equal(typed.host.host_id, 'unenrolled');
  t.equal(typed.host.role, 'server');
  // This machine has no WLAN hardware: said as such, never as a guessed "radio off".
  t.same('unavailable' in typed.wifi ? null : typed.wifi.hardware_present, false);
});

t.test('bad usage is refused with exit code 2 and a reason', async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'vigie-agent-'));
  const noToken = await agent(['enroll', '--server', 'http://127.0.0.1:1', '--state-dir', stateDir]);
  t.equal(noToken.code, 2);
  t.match(noToken.stderr, /--token/);
  const unknownFlag = await agent(['run', '--bogus', '--state-dir', stateDir]);
  t.equal(unknownFlag.code, 2);
  const notEnrolled = await agent(['run', '--once', '--state-dir', stateDir]);
  t.equal(notEnrolled.code, 2);
  t.match(notEnrolled.stderr, /not enrolled/);
  const badRole = await agent(['collect', '--json', '--role', 'toaster', '--state-dir', stateDir]);
  t.equal(badRole.code, 2);
});

t.test('enroll, report and read the verdicts back; the outbox survives a server outage', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigie-server-'));
  let server = await startServer({ dataDir, host: '127.0.0.1', port: 0, logLevel: 'silent' });
  const port = new URL(server.url).port;
  t.teardown(() => server.close());
  const stateDir = mkdtempSync(join(tmpdir(), 'vigie-agent-'));

  const { token } = await createEnrollmentToken(server.db, { site: 'chi-vallee', role: 'server', ttlHours: 1 });
  const enrolled = await agent(['enroll', '--server', server.url, '--token', token, '--state-dir', stateDir]);
  t.equal(enrolled.code, 0, enrolled.stderr);
  const { host_id } = JSON.parse(enrolled.stdout) as { host_id: string };
  t.notMatch(enrolled.stderr + enrolled.stdout, /\.[A-Za-z0-9_-]{30,}/, 'the credential is never printed or logged');

  const again = await agent(['enroll', '--server', server.url, '--token', token, '--state-dir', stateDir]);
  t.equal(again.code, 2, 're-enrollment must be explicit');
  t.match(again.stderr, /--force/);
  const reused = await agent(['enroll', '--server', server.url, '--token', token, '--state-dir', stateDir, '--force']);
  t.equal(reused.code, 1, 'a one-time token cannot be used twice');
  t.match(reused.stderr, /refused/);

  const sent = await agent(['run', '--once', '--state-dir', stateDir]);
  t.equal(sent.code, 0, sent.stderr);
  const api = (await createApiToken(server.db, { name: 'test', ttlDays: 1 })).token;
  const { verdicts } = await get<{ verdicts: Array<{ rule_id: string; status: string }> }>(
    `${server.url}/api/v1/hosts/${host_id}/verdicts`,
    api,
  );
  const judged = verdicts.map((v) => v.rule_id);
  t.equal(judged.length, packForRole('server').rules.length, 'one verdict per rule of the server pack');
  t.ok(['AUTH-01', 'BKP-01', 'NET-05', 'WIFI-01'].every((id) => judged.includes(id)), 'the four exposures are judged');
  t.equal(verdicts.find((v) => v.rule_id === 'WIFI-01')?.status, 'not_applicable', 'no WLAN hardware here');

  // Server down: the report is kept on disk, not lost.
  await server.close();
  const offline = await agent(['run', '--once', '--state-dir', stateDir]);
  t.equal(offline.code, 1);
  t.equal(readdirSync(join(stateDir, 'outbox')).filter((n) => n.endsWith('.json')).length, 1);
  const status = JSON.parse((await agent(['status', '--state-dir', stateDir])).stdout) as { outbox_depth: number };
  t.equal(status.outbox_depth, 1);

  // Server back on the same address: both the kept report and the new one arrive.
  server = await startServer({ dataDir, host: '127.0.0.1', port: Number(port), logLevel: 'silent' });
  const back = await agent(['run', '--once', '--state-dir', stateDir]);
  t.equal(back.code, 0, back.stderr);
  t.equal(readdirSync(join(stateDir, 'outbox')).filter((n) => n.endsWith('.json')).length, 0);
  const { hosts } = await get<{ hosts: Array<{ host_id: string; report_count?: number }> }>(`${server.url}/api/v1/hosts`, api);
  t.equal(hosts.length, 1);
  const reports = await server.db.selectFrom('reports').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  t.equal(Number(reports.n), 3, 'one report per cycle, none lost, none twice');
});

t.test('an identity file readable by others is refused', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigie-server-'));
  const server = await startServer({ dataDir, host: '127.0.0.1', port: 0, logLevel: 'silent' });
  t.teardown(() => server.close());
  const stateDir = mkdtempSync(join(tmpdir(), 'vigie-agent-'));
  const { token } = await createEnrollmentToken(server.db, { site: 'ch-plateau', role: 'workstation', ttlHours: 1 });
  t.equal((await agent(['enroll', '--server', server.url, '--token', token, '--state-dir', stateDir])).code, 0);
  chmodSync(join(stateDir, 'agent.json'), 0o644);
  const run = await agent(['run', '--once', '--state-dir', stateDir]);
  t.equal(run.code, 2);
  t.match(run.stderr, /chmod 600/);
});

t.test('the server hands out egress probes; the agent runs them and reports the outcomes', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigie-server-'));
  // One loopback port that accepts, one that refuses: real connections, no outside traffic.
  const open = createServer((socket) => socket.end());
  await new Promise<void>((r) => open.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => open.close());
  const openPort = (open.address() as AddressInfo).port;
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  writeFileSync(
    join(dataDir, 'agent-policy.yaml'),
    `schedule: { cron: "*/7 * * * *", splay_seconds: 5 }\nprobes:\n` +
      `  - { target: "tcp://127.0.0.1:${openPort}", expectation: reachable, roles: [server] }\n` +
      `  - { target: "tcp://127.0.0.1:${closedPort}", expectation: blocked, roles: [server] }\n` +
      `  - { target: "tcp://127.0.0.1:9", expectation: blocked, roles: [workstation] }\n`,
  );
  const server = await startServer({ dataDir, host: '127.0.0.1', port: 0, logLevel: 'silent' });
  t.teardown(() => server.close());
  const stateDir = mkdtempSync(join(tmpdir(), 'vigie-agent-'));
  const { token } = await createEnrollmentToken(server.db, { site: 'chi-vallee', role: 'server', ttlHours: 1 });
  t.equal((await agent(['enroll', '--server', server.url, '--token', token, '--state-dir', stateDir])).code, 0);
  const run = await agent(['run', '--once', '--state-dir', stateDir]);
  t.equal(run.code, 0, run.stderr);

  const saved = JSON.parse(readFileSync(join(stateDir, 'server-config.json'), 'utf8')) as { schedule: { cron: string } };
  t.equal(saved.schedule.cron, '*/7 * * * *', 'the configuration is kept for the next cycles');
  const row = await server.db.selectFrom('reports').select('body').executeTakeFirstOrThrow();
  const body = (typeof row.body === 'string' ? JSON.parse(row.body) : row.body) as Report;
  if ('unavailable' in body.network || 'unavailable' in body.network.egress_probes) throw new Error('probes not reported');
  t.same(
    body.network.egress_probes.map((p) => [p.target, p.expectation, p.outcome]),
    [
      [`tcp://127.0.0.1:${openPort}`, 'reachable', 'reachable'],
      [`tcp://127.0.0.1:${closedPort}`, 'blocked', 'refused'],
    ],
    'only the probes of its role, each with its observed outcome',
  );
});

t.test('check judges this host offline with the shipped packs, for a technician', async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'vigie-agent-'));
  const json = await agent(['check', '--role', 'telemaintenance-gateway', '--json', '--state-dir', stateDir]);
  const verdicts = JSON.parse(json.stdout) as Array<{ rule_id: string; status: string; severity: string; explanation: { fr: string; en: string } }>;
  t.ok(verdicts.length >= 4, 'one verdict per rule of the gateway pack');
  t.ok(verdicts.every((v) => v.explanation.fr.length > 0 && v.explanation.en.length > 0), 'each explained in French and English');
  t.equal(json.code, verdicts.some((v) => v.status === 'fail') ? 1 : 0, 'exit 1 exactly when a rule fails');
  t.equal(verdicts.find((v) => v.rule_id === 'WIFI-01')?.status, 'not_applicable');

  const text = await agent(['check', '--pack', 'server', '--lang', 'en', '--state-dir', stateDir]);
  t.match(text.stdout, /pack server v\d+/);
  t.match(text.stdout, /threshold:/);
  const unknownPack = await agent(['check', '--pack', 'no-such-pack', '--state-dir', stateDir]);
  t.equal(unknownPack.code, 2);
  t.match(unknownPack.stderr, /no shipped pack "no-such-pack"/);
  const badFile = join(stateDir, 'broken.yaml');
  writeFileSync(badFile, 'id: broken\nversion: one\n');
  const broken = await agent(['check', '--pack', badFile, '--state-dir', stateDir]);
  t.equal(broken.code, 2);
  t.match(broken.stderr, /broken\.yaml/);
});
