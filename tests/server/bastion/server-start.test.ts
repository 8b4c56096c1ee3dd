// `vigie server start` runs the bastion on the access domain's authority (what production uses):
// a vendor's real ssh session through it, followed live over server-sent events by an RSSI signed
// in to the API, then cut from the API (CSRF) — the stream says so and the session row records it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { initBastionKeys, loadRecordingKey } from '../../../server/bastion/keys.js';
import { openSecretsKey } from '../../../server/secrets/secrets-key.js';
import { listBastionSessions } from '../../../server/db/bastion-sessions.js';
import { startServer } from '../../../server/start.js';
import { runCli } from '../../../server/cli/run.js';
import { fullSession } from '../auth/helpers.js';
import { TEST_NOW } from '../fixture.js';
import { requireSshd, startSshd } from '../../helpers/sshd.js';
import { approvedGrant, buildAccessWorld, enrolVendorUser } from './access-world.js';
import { testPacks } from '../access/helpers.js';
import { addVendor, collectRun, spawnSsh, TestClock, waitFor, type Bastion } from './harness.js';

requireSshd('server-start.test.ts');

t.test('server start runs the bastion; an RSSI follows a session live and cuts it from the API', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigie-server-bastion-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const sshd = await startSshd();
  t.teardown(() => sshd.stop());
  const io = { stdout: () => undefined, stderr: () => undefined, env: {} };
  t.equal(await runCli(['server', 'init', '--data-dir', dataDir, '--secrets-key-only'], io), 0);
  const keys = initBastionKeys(dataDir);
  const clock = new TestClock(TEST_NOW);
  // The packs with the site declarations the test gateway's evidence matches (as the access tests use).
  const server = await startServer({ dataDir, port: 0, logLevel: 'silent' }, { env: {}, now: clock.now, packs: testPacks(), ssh: { enabled: 'if-initialised', host: '127.0.0.1', port: 0 } });
  t.teardown(() => server.close());
  t.ok(server.bastion, 'the bastion runs');
  const bastionPort = server.bastion!.port;
  const secretsKey = openSecretsKey({ dataDir, secretsKeyFile: null });
  const access = await buildAccessWorld(t, { db: server.db, dataDir, secretsKey, now: clock.now(), sshd, targets: [{ name: 'irm-01', vendors: ['acme-imaging'] }] });
  const clientDir = mkdtempSync(join(tmpdir(), 'vigie-ssh-client-'));
  t.teardown(() => rmSync(clientDir, { recursive: true, force: true }));
  writeFileSync(join(clientDir, 'known_hosts'), `[127.0.0.1]:${bastionPort} ${readFileSync(keys.paths.hostPublicKey, 'utf8').trim()}\n`);
  const bastion: Bastion = {
    running: server.bastion!,
    clock,
    recordingKey: loadRecordingKey(dataDir),
    recordingsDir: join(dataDir, 'recordings'),
    hostKeyLine: '',
    secretsKey,
    clientDir,
  };
  const vendor = await addVendor(server.db, secretsKey, clientDir, 'jdupont', clock.now());
  await enrolVendorUser(server.db, 'acme-imaging', vendor, clock.now());
  await approvedGrant(server.db, vendor, access.targets['irm-01']!, clock.now(), -60_000, 3600_000);

  const child = spawnSsh(bastion, vendor, 'jdupont+irm-01', ['cat']);
  const done = collectRun(child, 30_000);
  let shown = '';
  child.stdout?.on('data', (d: Buffer) => (shown += d.toString()));
  child.stdin?.write('first-line\n');
  let errors = '';
  child.stderr?.on('data', (d: Buffer) => (errors += d.toString()));
  await waitFor(() => shown.includes('first-line'), 15_000, 'cat to echo').catch((error: Error) => {
    throw new Error(`${error.message}: ${errors}`);
  });
  const [live] = await listBastionSessions(server.db, { state: 'live' });
  t.ok(live);

  const rssi = await fullSession(server.app, server.db, 'rssi-bruno', 'rssi', clock.now());
  const cookie = Object.entries(rssi.cookies).map(([name, value]) => `${name}=${value}`).join('; ');
  const controller = new AbortController();
  const stream = await fetch(`${server.url}/api/v1/bastion/sessions/${live!.session_id}/events`, { headers: { cookie }, signal: controller.signal });
  t.equal(stream.status, 200);
  t.match(stream.headers.get('content-type'), /text\/event-stream/);
  const reader = stream.body!.getReader();
  let events = '';
  const pump = (async () => {
    for (;;) {
      const { value, done: finished } = await reader.read();
      if (finished) return;
      events += Buffer.from(value).toString('utf8');
    }
  })().catch(() => undefined);
  await waitFor(() => events.includes('event: hello'), 10_000, 'the stream to open');
  child.stdin?.write('watched-line\n');
  await waitFor(() => events.includes('watched-line'), 10_000, 'the live output on the stream');

  const cut = await server.app.inject({ method: 'POST', url: `/api/v1/bastion/sessions/${live!.session_id}/cut`, cookies: rssi.cookies, headers: rssi.headers });
  t.equal(cut.statusCode, 202);
  const run = await done;
  t.match(run.stderr, /coupée par la sécurité/);
  await waitFor(() => events.includes('event: ended'), 10_000, 'the end on the stream');
  t.match(events, /"reason":"cut"/);
  controller.abort();
  await pump;
  await waitFor(async () => (await listBastionSessions(server.db, { state: 'ended' })).length === 1, 10_000, 'the row to end');
  const [ended] = await listBastionSessions(server.db, { state: 'ended' });
  t.match(ended, { end_reason: 'cut', cut_requested_by: 'user:rssi-bruno' });
  const request = await server.db.selectFrom('access_requests').select(['state']).executeTakeFirstOrThrow();
  t.equal(request.state, 'active');

  // The device credential (the sealed key the bastion used to log in to sshd) appears in no API
  // response about the session, no recording file served, nothing the live stream sent and nothing
  // the vendor saw.
  const secretLines = sshd.deviceKey.privateKey.split('\n').filter((line) => line.length > 20 && !line.startsWith('-----'));
  t.ok(secretLines.length > 0);
  const responses: [string, string][] = [['live stream', events], ['vendor output', run.stdout + run.stderr]];
  for (const url of ['/api/v1/bastion/sessions?state=all', `/api/v1/bastion/sessions/${live!.session_id}`]) {
    const res = await server.app.inject({ method: 'GET', url, cookies: rssi.cookies });
    t.equal(res.statusCode, 200, url);
    responses.push([url, res.body]);
  }
  const detail = (await server.app.inject({ method: 'GET', url: `/api/v1/bastion/sessions/${live!.session_id}`, cookies: rssi.cookies })).json() as { recording: { files: { name: string }[] } };
  t.ok(detail.recording.files.length >= 4, 'casts and sealing files listed');
  for (const file of detail.recording.files) {
    const url = `/api/v1/bastion/sessions/${live!.session_id}/recording/${file.name}`;
    const res = await server.app.inject({ method: 'GET', url, cookies: rssi.cookies });
    t.equal(res.statusCode, 200, url);
    responses.push([url, res.body]);
  }
  t.match(responses.find(([url]) => url.endsWith('.cast'))?.[1], /watched-line/, 'the served recording is the session\'s');
  for (const [where, text] of responses) {
    for (const line of secretLines) if (text.includes(line)) t.fail(`device key material in ${where}`);
  }
  t.pass(`searched ${responses.length} responses for the device key`);
});
