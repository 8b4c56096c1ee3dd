// /api/v1/bastion and `vigie recording ...` on a seeded, really sealed recording (both databases):
// listing, metadata with verification, cut of a live session, download (audited), refusal of
// unknown files and of path tricks, tamper detection, export verifiable with openssl + sha256sum.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { AsciicastWriter } from '../../../server/bastion/asciicast-writer.js';
import { initBastionKeys, loadRecordingKey } from '../../../server/bastion/keys.js';
import { sealRecording } from '../../../server/bastion/manifest.js';
import { applyRecordingRetention } from '../../../server/bastion/retention.js';
import { defaultBastionRouteDeps } from '../../../server/bastion/route-deps.js';
import { buildApp } from '../../../server/app.js';
import { runCli } from '../../../server/cli/run.js';
import { endBastionSession, insertBastionSession } from '../../../server/db/bastion-sessions.js';
import type { Database } from '../../../server/db/schema.js';
import { fullSession } from '../auth/helpers.js';
import { DB_KINDS, openTestDatabase, TEST_NOW, testConfig } from '../fixture.js';

const ENDED = '11111111-1111-4111-8111-111111111111';
const LIVE = '22222222-2222-4222-8222-222222222222';

async function seed(db: Database, dataDir: string): Promise<{ signed: string }> {
  initBastionKeys(dataDir);
  const key = loadRecordingKey(dataDir);
  const base = {
    grant_id: 'g-1', request_id: 'r-1', user_id: 'u-1', username: 'jdupont', target_id: 't-1', target_name: 'irm-01',
    source_ip: '192.0.2.7', replica: 'other-host:1:abcd', started_at: TEST_NOW, not_after: new Date(TEST_NOW.getTime() + 3600_000), input_recorded: true,
  };
  await insertBastionSession(db, { ...base, session_id: ENDED, recording_dir: ENDED });
  await insertBastionSession(db, { ...base, session_id: LIVE, recording_dir: LIVE });
  const dir = join(dataDir, 'recordings', ENDED);
  mkdirSync(dir, { recursive: true });
  const writer = new AsciicastWriter(join(dir, 'ch1-shell.cast'), { width: 80, height: 24, timestamp: 1, title: 't' }, () => undefined);
  writer.output(Buffer.from('root@irm:~# <script>alert(1)</script>\r\n'));
  writer.input(Buffer.from('ls\r'));
  await writer.close('cut: window_end');
  const sealed = await sealRecording(dir, {
    session_id: ENDED, request_id: 'r-1', grant_id: 'g-1', user: 'jdupont', target: 'irm-01', source_ip: '192.0.2.7',
    started_at: TEST_NOW.toISOString(), ended_at: TEST_NOW.toISOString(), end_reason: 'window_end', input_recorded: true,
  }, key);
  await endBastionSession(db, ENDED, {
    ended_at: TEST_NOW, end_reason: 'window_end', bytes_from_client: 3, bytes_to_client: 40, manifest_sha256: sealed.manifestSha256,
    signed_sha256: sealed.signedSha256, retain_until: new Date(TEST_NOW.getTime() + 86_400_000),
  });
  return { signed: sealed.signedSha256 };
}

/** The offline check of docs/bastion.md's auditor section: its shell block, continuation lines joined, without the `cd`. */
function documentedOfflineCheck(): string[] {
  const docs = readFileSync(new URL('../../../docs/bastion.md', import.meta.url), 'utf8');
  const block = /The export folder can be checked anywhere[^\n]*\n+```sh\n([\s\S]*?)```/.exec(docs)?.[1];
  if (block === undefined) throw new Error('docs/bastion.md lost its offline verification block');
  return block
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('cd '));
}

for (const kind of DB_KINDS) {
  t.test(`bastion API and recording CLI (${kind})`, async (t) => {
    const database = await openTestDatabase(t, kind);
    const { db, dataDir } = database;
    const { signed } = await seed(db, dataDir);
    const app = buildApp({ db, config: testConfig(dataDir, database.databaseUrl), now: () => TEST_NOW, bastion: defaultBastionRouteDeps(dataDir, {}) });
    t.teardown(() => app.close());
    await app.ready();
    const rssi = await fullSession(app, db, 'rssi1', 'rssi', TEST_NOW);
    const auditor = await fullSession(app, db, 'audit1', 'auditor', TEST_NOW);

    let res = await app.inject({ method: 'GET', url: '/api/v1/bastion/sessions?state=live', cookies: rssi.cookies });
    t.equal(res.statusCode, 200);
    t.same(res.json().sessions.map((s: { session_id: string }) => s.session_id), [LIVE]);
    t.notOk('user_id' in res.json().sessions[0], 'internal ids are not exposed');

    res = await app.inject({ method: 'GET', url: `/api/v1/bastion/sessions/${ENDED}`, cookies: auditor.cookies });
    t.equal(res.statusCode, 200);
    t.match(res.json(), { session: { end_reason: 'window_end', signed_sha256: signed }, recording: { state: 'sealed', verified: true, signature: 'valid', problems: [] } });
    t.same(res.json().recording.files.map((f: { name: string }) => f.name), ['SHA256SUMS', 'SHA256SUMS.sig', 'ch1-shell.cast', 'manifest.json']);

    res = await app.inject({ method: 'GET', url: `/api/v1/bastion/sessions/${ENDED}/recording/ch1-shell.cast`, cookies: auditor.cookies });
    t.equal(res.statusCode, 200);
    t.match(res.headers['content-type'], /application\/x-asciicast/);
    t.match(res.headers['content-disposition'], /attachment/);
    t.match(res.body, /"version":2/);
    t.match(res.body, /alert\(1\)/, 'served as a file, never as HTML');
    const downloads = await db.selectFrom('audit_log').select(['actor_id', 'details']).where('action', '=', 'bastion.recording_downloaded').execute();
    t.same(downloads.map((d) => [d.actor_id, JSON.parse(d.details).file]), [['audit1', 'ch1-shell.cast']]);
    for (const bad of ['..%2F..%2Fvigie.sqlite', 'secrets.key', 'ch1-shell.cast.bak', '.', '..']) {
      res = await app.inject({ method: 'GET', url: `/api/v1/bastion/sessions/${ENDED}/recording/${bad}`, cookies: auditor.cookies });
      t.ok([400, 404].includes(res.statusCode), `${bad}: ${res.statusCode}`);
    }

    // Only the playback page widens the CSP, and only by 'wasm-unsafe-eval' (asciinema-player's terminal).
    const cspOf = async (url: string) => {
      const page = await app.inject({ method: 'GET', url, cookies: rssi.cookies });
      t.equal(page.statusCode, 200, url);
      return String(page.headers['content-security-policy']);
    };
    const playback = await cspOf(`/sessions/${ENDED}`);
    t.match(playback, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    t.notMatch(playback, /unsafe-inline|unsafe-eval'(?<!wasm-unsafe-eval')/);
    const directives = (csp: string) => csp.split(';').map((d) => d.trim()).filter((d) => d !== '');
    t.same(directives(playback.replace(" 'wasm-unsafe-eval'", '')), directives(await cspOf('/sessions')), 'otherwise the same policy as the other pages');
    for (const url of ['/sessions', '/api/v1/bastion/sessions']) t.notMatch(await cspOf(url), /wasm-unsafe-eval/, url);

    res = await app.inject({ method: 'POST', url: `/api/v1/bastion/sessions/${LIVE}/cut`, cookies: auditor.cookies, headers: auditor.headers });
    t.equal(res.statusCode, 403, 'an auditor cannot cut');
    res = await app.inject({ method: 'POST', url: `/api/v1/bastion/sessions/${LIVE}/cut`, cookies: rssi.cookies });
    t.equal(res.statusCode, 403, 'no CSRF token, no cut');
    res = await app.inject({ method: 'POST', url: `/api/v1/bastion/sessions/${LIVE}/cut`, cookies: rssi.cookies, headers: rssi.headers });
    t.equal(res.statusCode, 202);
    const row = await db.selectFrom('bastion_sessions').select(['cut_requested_by']).where('session_id', '=', LIVE).executeTakeFirstOrThrow();
    t.equal(row.cut_requested_by, 'user:rssi1');
    res = await app.inject({ method: 'POST', url: `/api/v1/bastion/sessions/${ENDED}/cut`, cookies: rssi.cookies, headers: rssi.headers });
    t.equal(res.statusCode, 409);
    res = await app.inject({ method: 'GET', url: `/api/v1/bastion/sessions/${LIVE}/events`, cookies: rssi.cookies });
    t.equal(res.statusCode, 409, 'the live stream is served by the replica holding the session');

    // CLI: list, verify, export verifiable offline, then tamper.
    const io = () => {
      const out: string[] = [];
      const err: string[] = [];
      return { out, err, io: { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s), env: { VIGIE_DATA_DIR: dataDir, ...(database.databaseUrl === null ? {} : { DATABASE_URL: database.databaseUrl }) } } };
    };
    let cli = io();
    t.equal(await runCli(['recording', 'list', '--json'], cli.io), 0);
    t.equal(JSON.parse(cli.out[0]!).sessions.length, 2);
    cli = io();
    t.equal(await runCli(['recording', 'verify', '--id', ENDED], cli.io), 0, cli.err.join('\n'));
    t.match(cli.out.join('\n'), /verifies/);
    cli = io();
    t.equal(await runCli(['recording', 'show', '--id', ENDED], cli.io), 0, cli.err.join('\n'));
    t.match(cli.out.join('\n'), /recording: sealed, verified[\s\S]*kept: without end: its access request cannot be found[\s\S]*ch1-shell.cast/);
    const out = mkdtempSync(join(tmpdir(), 'vigie-export-'));
    t.teardown(() => rmSync(out, { recursive: true, force: true }));
    cli = io();
    t.equal(await runCli(['recording', 'export', '--id', ENDED, '--out', join(out, 'x')], cli.io), 0, cli.err.join('\n'));
    const offline = spawnSync('sh', ['-c', readFileSync(join(out, 'x', 'VERIFY.txt'), 'utf8').split('\n').find((l) => l.includes('openssl'))!.trim()], { cwd: join(out, 'x'), encoding: 'utf8' });
    t.equal(offline.status, 0, `offline verification: ${offline.stdout}${offline.stderr}`);
    t.match(offline.stdout, /Signature Verified Successfully/);
    // The commands docs/bastion.md gives auditors, run as written in the export folder.
    const documented = documentedOfflineCheck();
    t.equal(documented.length, 2, JSON.stringify(documented));
    const check = spawnSync('sh', ['-c', documented[0]!], { cwd: join(out, 'x'), encoding: 'utf8' });
    t.equal(check.status, 0, `the documented check: ${check.stdout}${check.stderr}`);
    t.match(check.stdout, /Signature Verified Successfully/);
    t.match(check.stdout, /ch1-shell\.cast: OK/);
    t.match(check.stdout, /manifest\.json: OK/);
    const hash = spawnSync('sh', ['-c', documented[1]!], { cwd: join(out, 'x'), encoding: 'utf8' });
    t.equal(hash.stdout.split(/\s+/)[0], signed, 'the documented hash command prints the signed hash of the audit log');
    const auditHash = await db.selectFrom('bastion_sessions').select(['signed_sha256']).where('session_id', '=', ENDED).executeTakeFirstOrThrow();
    t.equal(auditHash.signed_sha256, signed);
    appendFileSync(join(out, 'x', 'ch1-shell.cast'), '[1,"o","x"]\n');
    const tamperedDocumented = spawnSync('sh', ['-c', documented[0]!], { cwd: join(out, 'x'), encoding: 'utf8' });
    t.not(tamperedDocumented.status, 0, 'the documented check fails on an altered file');
    const tampered = spawnSync('sh', ['-c', 'sha256sum --strict -c SHA256SUMS'], { cwd: join(out, 'x'), encoding: 'utf8' });
    t.not(tampered.status, 0, 'sha256sum names the altered export file');
    t.match(tampered.stdout, /ch1-shell.cast: FAILED/);
    appendFileSync(join(dataDir, 'recordings', ENDED, 'ch1-shell.cast'), '[1,"o","x"]\n');
    cli = io();
    t.equal(await runCli(['recording', 'verify', '--id', ENDED], cli.io), 1);
    t.match(cli.out.join('\n'), /ch1-shell.cast: size_changed/);
    res = await app.inject({ method: 'GET', url: `/api/v1/bastion/sessions/${ENDED}`, cookies: rssi.cookies });
    t.match(res.json().recording, { verified: false, problems: [{ file: 'ch1-shell.cast', problem: 'size_changed' }] });
    cli = io();
    t.equal(await runCli(['session', 'cut', '--id', ENDED], cli.io), 1, 'an ended session cannot be cut');

    // Retention (tests/server/bastion/retention.test.ts has the rules on real requests): this seeded
    // session's request r-1 does not exist, so nothing ties it to a decision and it is kept.
    t.equal(await applyRecordingRetention(db, join(dataDir, 'recordings'), new Date(TEST_NOW.getTime() + 2 * 86_400_000), 1), 0);
    t.ok(existsSync(join(dataDir, 'recordings', ENDED)));
    res = await app.inject({ method: 'GET', url: `/api/v1/bastion/sessions/${ENDED}`, cookies: rssi.cookies });
    t.match(res.json(), { session: { signed_sha256: signed }, recording: { state: 'sealed' } });
  });
}
