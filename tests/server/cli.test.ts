import { spawn } from 'node:child_process';
import t from 'tap';
import { runCli } from '../../server/cli/run.js';
import type { CliIo } from '../../server/cli/io.js';
import { startServer } from '../../server/start.js';
import { DB_KINDS, openTestDatabase, TEST_OS } from './fixture.js';
import { childEnv } from '../helpers/child-env.js';
import { runVigie, VIGIE_BIN } from '../helpers/vigie-process.js';


interface Captured extends CliIo {
  out: string[];
  err: string[];
}

function capture(env: NodeJS.ProcessEnv = {}): Captured {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (s) => out.push(s), stderr: (s) => err.push(s), env };
}

/** Run the real `vigie` launcher (tsx loader included), bounded in time. */
const vigie = (args: string[], env: NodeJS.ProcessEnv = {}) => runVigie(args, env, 60_000);

t.test('bad option values exit 2 with a message naming the option', async (t) => {
  const cases: [string[], RegExp][] = [
    [['token', 'create', '--site', 'ch-demo', '--role', 'pilot'], /--role "pilot": must be one of workstation, admin-workstation/],
    [['token', 'create', '--site', 'ch demo!', '--role', 'server'], /--site "ch demo!"/],
    [['token', 'create', '--site', 'ch-demo', '--role', 'server', '--ttl-hours', 'abc'], /--ttl-hours "abc": .*integer/],
    [['token', 'create', '--site', 'ch-demo', '--role', 'server', '--ttl-hours', '100000'], /--ttl-hours "100000"/],
    [['token', 'create', '--role', 'server'], /--site is required/],
    [['token', 'create', '--site', 'a', '--role', 'server', '--colour'], /Unknown option '--colour'/],
    [['apitoken', 'create', '--name', 'ci', '--ttl-days', '0'], /--ttl-days "0"/],
    [['host', 'list', 'extra'], /unexpected argument|Unexpected argument/],
    [['host', 'revoke', '--id', 'nope'], /--id "nope"/],
    [['server', 'start', '--port', '99999'], /--port "99999"/],
    [['server', 'start', '--log-level', 'loud'], /--log-level "loud": must be one of/],
    [['server', 'start', '--host', '0.0.0.0', '--data-dir', '/nonexistent/never-created'], /Refusing to listen on 0\.0\.0\.0 over plain HTTP/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ];
  for (const [args, message] of cases) {
    const io = capture();
    t.equal(await runCli(args, io), 2, args.join(' '));
    t.match(io.err.join('\n'), message, args.join(' '));
  }
  const spawned = await vigie(['token', 'create', '--site', 'ch-demo', '--role', 'nurse']);
  t.equal(spawned.code, 2, 'the real launcher exits 2');
  t.match(spawned.stderr, /--role "nurse": must be one of/);
  t.match(spawned.stderr, /Usage: vigie token create/);
});

t.test('--help prints usage and exits 0', async (t) => {
  const io = capture();
  t.equal(await runCli(['--help'], io), 0);
  t.match(io.out.join(''), /Commands:[\s\S]*token create/);
  const sub = capture();
  t.equal(await runCli(['apitoken', 'create', '--help'], sub), 0);
  t.match(sub.out.join(''), /Usage: vigie apitoken create --name N/);
  t.equal(await runCli([], capture()), 2, 'no command is a usage error');
});

for (const kind of DB_KINDS) {
  t.test(`CLI against a running server (${kind})`, async (t) => {
    const { dataDir, databaseUrl, db } = await openTestDatabase(t, kind);
    const env: NodeJS.ProcessEnv = databaseUrl === null ? {} : { DATABASE_URL: databaseUrl };
    const server = await startServer({ dataDir, databaseUrl, port: 0, logLevel: 'silent' }, { env: {} });
    t.teardown(() => server.close());

    // Spawned CLI creates the token; the agent side enrolls with it over HTTP.
    const created = await vigie(['token', 'create', '--site', 'ght-est', '--role', 'telemaintenance-gateway', '--ttl-hours', '2', '--data-dir', dataDir, '--json'], env);
    t.equal(created.code, 0, created.stderr);
    const token = JSON.parse(created.stdout) as { token: string; site: string; role: string; expires_at: string };
    t.match(token, { site: 'ght-est', role: 'telemaintenance-gateway' });
    const enrolled = await fetch(`${server.url}/api/v1/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: token.token, hostname: 'gw-irm', os: TEST_OS, agent_version: '0.1.0' }),
    });
    t.equal(enrolled.status, 201);
    const host = (await enrolled.json()) as { host_id: string; role: string };
    t.equal(host.role, 'telemaintenance-gateway');

    const human = capture(env);
    t.equal(await runCli(['token', 'create', '--site', 'ght-est', '--role', 'workstation', '--data-dir', dataDir], human), 0);
    t.match(human.out.join('\n'), /one use, expires[\s\S]*\nenr_[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{43}$/);

    const api = capture(env);
    t.equal(await runCli(['apitoken', 'create', '--name', 'siem', '--ttl-days', '30', '--data-dir', dataDir, '--json'], api), 0);
    const apiToken = JSON.parse(api.out.join('')) as { token: string; scope: string };
    t.equal(apiToken.scope, 'auditor');
    const hosts = await fetch(`${server.url}/api/v1/hosts`, { headers: { authorization: `Bearer ${apiToken.token}` } });
    t.equal(hosts.status, 200, 'the CLI-made API token works');

    const listed = capture(env);
    t.equal(await runCli(['host', 'list', '--data-dir', dataDir, '--json'], listed), 0);
    t.match(JSON.parse(listed.out.join('')), { hosts: [{ host_id: host.host_id, hostname: 'gw-irm', site: 'ght-est', revoked: false }] });
    const table = capture(env);
    t.equal(await runCli(['host', 'list', '--data-dir', dataDir], table), 0);
    t.match(table.out.join('\n'), new RegExp(`${host.host_id}\\tgw-irm\\tght-est\\ttelemaintenance-gateway\\tnever\\tactive`));

    const revoke = capture(env);
    t.equal(await runCli(['host', 'revoke', '--id', host.host_id, '--data-dir', dataDir], revoke), 0);
    t.match(revoke.out.join(''), /revoked/);
    const again = capture(env);
    t.equal(await runCli(['host', 'revoke', '--id', host.host_id, '--data-dir', dataDir], again), 0);
    t.match(again.out.join(''), /already revoked/);
    const unknown = capture(env);
    t.equal(await runCli(['host', 'revoke', '--id', '00000000-0000-4000-8000-000000000000', '--data-dir', dataDir], unknown), 1);
    const row = await db.selectFrom('hosts').select('revoked_at').where('host_id', '=', host.host_id).executeTakeFirstOrThrow();
    t.not(row.revoked_at, null);
  });
}

t.test('vigie server start listens, answers, and stops cleanly on SIGTERM', async (t) => {
  const { dataDir } = await openTestDatabase(t, 'sqlite');
  const child = spawn(process.execPath, [VIGIE_BIN, 'server', 'start', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'], {
    env: childEnv({ DATABASE_URL: '' }),
    timeout: 60_000,
  });
  let stdout = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.on('close', (code) => reject(new Error(`exited ${code} before listening: ${stdout}`)));
  });
  const health = await fetch(`${url}/healthz`);
  t.equal(health.status, 200);
  const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
  child.kill('SIGTERM');
  t.equal(await exit, 0);
  t.match(stdout, /Vigie server stopped\./);
});
