// The bastion fails closed, on the access domain's real store (server/access over SQLite and
// PostgreSQL: DB_KINDS), driven with the real OpenSSH client to a real sshd:
// - a revoke made through the access domain, on another replica's database connection, cuts the
//   running session at the watchdog's first read after it (its timer reads every DEFAULT_WATCHDOG.tickMs);
// - the window's end cuts a running `cat` after the vendor saw the T-15, T-5 and T-1 warnings, and
//   not before not_after;
// - a recording that cannot be written cuts the session by the failing write itself (a full tmpfs
//   mid-session), or refuses it before the device is reached (a read-only file system);
// - an idle session is cut; a PostgreSQL database that cannot be read cuts the session.
// The mechanism is asserted, not the speed: the bastions of the revoke and window cases run with
// a watchdog timer that never fires on its own (tickMs: 1 h) and the test runs one tick, so the cut
// is shown to come from that one read. Latencies are measured in bench/bastion.bench.ts.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import t, { type Test } from 'tap';
import type { Target } from '../../../server/access/model.js';
import { revokeRequest } from '../../../server/access/transitions.js';
import type { BastionSettings } from '../../../server/bastion/bastion-server.js';
import { DEFAULT_WATCHDOG } from '../../../server/bastion/watchdog.js';
import { listBastionSessions } from '../../../server/db/bastion-sessions.js';
import { openDatabase } from '../../../server/db/database.js';
import type { Database } from '../../../server/db/schema.js';
import { openSecretsKey } from '../../../server/secrets/secrets-key.js';
import { DB_KINDS, openTestDatabase, TEST_NOW, type DbKind } from '../fixture.js';
import { requireSshd, startSshd } from '../../helpers/sshd.js';
import { approvedGrant, buildAccessWorld, enrolVendorUser, type AccessWorld, type TestGrant } from './access-world.js';
import { addVendor, collectRun, spawnSsh, ssh, startTestBastion, TestClock, waitFor, type Bastion, type Vendor } from './harness.js';

requireSshd('bastion-failsafe.test.ts');

/** A watchdog whose timer never fires during a test: the test runs each tick. */
const MANUAL_TICKS = { ...DEFAULT_WATCHDOG, tickMs: 3_600_000 };
const CASES = ['revoke', 'window', 'disk', 'readonly', 'idle', 'db'] as const;

interface World {
  kind: DbKind;
  db: Database;
  dataDir: string;
  databaseUrl: string | null;
  access: AccessWorld;
  clock: TestClock;
  vendor: Vendor;
  targets: Record<(typeof CASES)[number], Target>;
}

async function setUp(tt: Test, kind: DbKind): Promise<World> {
  const { db, dataDir, databaseUrl } = await openTestDatabase(tt, kind);
  const sshd = await startSshd();
  tt.teardown(() => sshd.stop());
  // One clock for every bastion of this database: a TOTP code is accepted once, whichever bastion sees it.
  const clock = new TestClock(TEST_NOW);
  const secretsKey = openSecretsKey({ dataDir, secretsKeyFile: null });
  const access = await buildAccessWorld(tt, {
    db,
    dataDir,
    secretsKey,
    now: clock.now(),
    sshd,
    targets: CASES.map((name) => ({ name: `ct-${name}`, vendors: ['acme-imaging'] })),
  });
  const clientDir = mkdtempSync(join(tmpdir(), 'vigie-failsafe-keys-'));
  tt.teardown(() => rmSync(clientDir, { recursive: true, force: true }));
  const vendor = await addVendor(db, secretsKey, clientDir, 'carol', clock.now());
  await enrolVendorUser(db, 'acme-imaging', vendor, clock.now());
  const targets = Object.fromEntries(CASES.map((name) => [name, access.targets[`ct-${name}`]!])) as World['targets'];
  return { kind, db, dataDir, databaseUrl, access, clock, vendor, targets };
}

function bastionFor(tt: Test, world: World, settings: Partial<BastionSettings>, logSink?: (line: string) => void): Promise<Bastion> {
  return startTestBastion(tt, { db: world.db, dataDir: world.dataDir, authority: world.access.authority, clock: world.clock, settings, ...(logSink === undefined ? {} : { logSink }) });
}

function grantOn(world: World, name: (typeof CASES)[number], fromMs: number, toMs: number): Promise<TestGrant> {
  return approvedGrant(world.db, world.vendor, world.targets[name], world.clock.now(), fromMs, toMs);
}

/** Another replica: its own connection to the same database (the same SQLite file, or the same PostgreSQL database). */
async function otherReplica(tt: Test, world: World): Promise<Database> {
  const db = await openDatabase({ dataDir: world.dataDir, databaseUrl: world.databaseUrl });
  tt.teardown(() => db.destroy());
  return db;
}

/** `ssh carol+ct-X cat`, once cat echoes: the session is up. */
async function runningCat(bastion: Bastion, world: World, login: string) {
  const child = spawnSsh(bastion, world.vendor, login, ['cat']);
  const done = collectRun(child, 60_000);
  const seen = { stdout: '', stderr: '' };
  child.stdout?.on('data', (d: Buffer) => (seen.stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (seen.stderr += d.toString()));
  const echo = async (word: string) => {
    child.stdin?.write(`${word}\n`);
    await waitFor(() => seen.stdout.includes(word), 15_000, `cat to echo ${word} (stderr: ${JSON.stringify(seen.stderr)})`);
  };
  await echo('first-line');
  return { child, done, seen, echo };
}

async function sessionOf(db: Database, grant: TestGrant) {
  let row: Awaited<ReturnType<typeof listBastionSessions>>[number] | undefined;
  await waitFor(async () => {
    row = (await listBastionSessions(db, { state: 'all' })).find((r) => r.grant_id === grant.requestId && r.ended_at !== null);
    return row !== undefined;
  }, 15_000, 'the session to end');
  return row!;
}

async function endedAudit(db: Database, sessionId: string): Promise<Record<string, unknown>> {
  let details: Record<string, unknown> | undefined;
  await waitFor(async () => {
    const rows = await db.selectFrom('audit_log').select(['details']).where('action', '=', 'bastion.session_ended').execute();
    details = rows.map((row) => JSON.parse(row.details) as Record<string, unknown>).find((d) => d.bastion_session === sessionId);
    return details !== undefined;
  }, 15_000, 'the session_ended audit event');
  return details!;
}

function mountTmpfs(tt: Test, size: string): string {
  const mountPoint = mkdtempSync(join(tmpdir(), 'vigie-tmpfs-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mountPoint], { encoding: 'utf8' });
  if (mounted.status !== 0) throw new Error(`cannot mount a tmpfs (root needed): ${mounted.stderr}`);
  tt.teardown(() => {
    spawnSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });
  return mountPoint;
}

t.test('the watchdog reads every live grant at least four times a second by default', async (t) => {
  // With the cut on the first read after a revoke (shown below), this bounds revoke-to-cut under 1 s.
  t.ok(DEFAULT_WATCHDOG.tickMs <= 250, `tickMs ${DEFAULT_WATCHDOG.tickMs}`);
  // The fail-closed delay: sessions are cut when the database has been unreadable for 30 s.
  t.equal(DEFAULT_WATCHDOG.failClosedMs, 30_000);
});

for (const kind of DB_KINDS) {
  t.test(`${kind}: the bastion fails closed on the real access store`, async (t) => {
    const world = await setUp(t, kind);
    const { db } = world;

    await t.test('a revoke through the access domain on another replica cuts the running session at the next watchdog read', async (t) => {
      const bastion = await bastionFor(t, world, { watchdog: MANUAL_TICKS });
      const grant = await grantOn(world, 'revoke', -60_000, 3 * 3600_000);
      const cat = await runningCat(bastion, world, 'carol+ct-revoke');
      const replica = await otherReplica(t, world);
      await revokeRequest({ ...world.access.deps, db: replica }, world.access.rssi, grant.requestId, 'vendor contract ended', world.clock.now());
      // Nothing but the watchdog's read cuts: until it runs, cat still answers.
      await cat.echo('before-the-read');
      t.equal(bastion.running.liveSessions().length, 1);
      bastion.running.tick();
      const run = await cat.done;
      t.not(run.code, 0, 'the vendor\'s ssh was cut');
      t.match(cat.seen.stderr, /séance coupée \/ session cut: autorisation révoquée/);
      const row = await sessionOf(db, grant);
      t.equal(row.end_reason, 'revoked');
      t.match(await endedAudit(db, row.session_id), { end_reason: 'revoked', grant_state: 'revoked' });
    });

    await t.test('with the watchdog on its own timer, the same revoke cuts without help', async (t) => {
      const bastion = await bastionFor(t, world, {});
      const grant = await grantOn(world, 'revoke', -60_000, 3 * 3600_000);
      const cat = await runningCat(bastion, world, 'carol+ct-revoke');
      const replica = await otherReplica(t, world);
      const started = Date.now();
      await revokeRequest({ ...world.access.deps, db: replica }, world.access.rssi, grant.requestId, 'second revoke', world.clock.now());
      const run = await cat.done;
      t.comment(`${kind}: the vendor's ssh ended ${Date.now() - started} ms after the revoke committed (measured, not asserted; see the bench)`);
      t.not(run.code, 0);
      t.equal((await sessionOf(db, grant)).end_reason, 'revoked');
    });

    await t.test("the window's end cuts a running cat after the warnings, not before not_after", async (t) => {
      const bastion = await bastionFor(t, world, { watchdog: MANUAL_TICKS });
      const grant = await grantOn(world, 'window', -60_000, 20 * 60_000);
      const cat = await runningCat(bastion, world, 'carol+ct-window');
      const end = Date.parse(grant.notAfter);
      const jumpTo = (at: number) => (world.clock.offsetMs += at - world.clock.now().getTime());
      for (const minutes of [15, 5, 1]) {
        jumpTo(end - minutes * 60_000 + 1000);
        bastion.running.tick();
        await waitFor(() => cat.seen.stderr.includes(`se ferme dans ${minutes} min`), 10_000, `the T-${minutes} warning`);
      }
      jumpTo(end - 2000);
      bastion.running.tick();
      await cat.echo('two-seconds-left');
      t.equal(bastion.running.liveSessions().length, 1, 'not cut before not_after');
      jumpTo(end);
      bastion.running.tick();
      const run = await cat.done;
      t.not(run.code, 0, 'cat was cut');
      t.match(cat.seen.stderr, /fin de la fenêtre approuvée \/ the approved window is over/);
      t.ok(cat.seen.stderr.indexOf('dans 15 min') < cat.seen.stderr.indexOf('dans 5 min') && cat.seen.stderr.indexOf('dans 5 min') < cat.seen.stderr.indexOf('dans 1 min'));
      const row = await sessionOf(db, grant);
      t.equal(row.end_reason, 'window_end');
      t.match(await endedAudit(db, row.session_id), { end_reason: 'window_end', not_after: grant.notAfter });
      const warned = await db.selectFrom('audit_log').select(['details']).where('action', '=', 'bastion.session_warned').orderBy('seq').execute();
      t.same(
        warned.map((r) => JSON.parse(r.details) as { bastion_session: string; minutes_left: number }).filter((d) => d.bastion_session === row.session_id).map((d) => d.minutes_left),
        [15, 5, 1],
      );
    });

    await t.test('a recording that cannot be written (full tmpfs) cuts the session by the failing write', async (t) => {
      const mountPoint = mountTmpfs(t, '256k');
      // No watchdog tick runs after the session starts: the cut can only come from the recorder.
      const bastion = await bastionFor(t, world, { watchdog: MANUAL_TICKS, recordingsDir: join(mountPoint, 'recordings') });
      const grant = await grantOn(world, 'disk', -60_000, 3 * 3600_000);
      // The device prints far more than 256 KiB of recording: the disk fills while the vendor watches.
      // The loop ends once its output is closed by the cut (base64 then fails): an endless loop
      // outlived the test as an orphan of sshd.
      const child = spawnSsh(bastion, world.vendor, 'carol+ct-disk', ['while head -c 65536 /dev/urandom | base64; do sleep 0.05; done']);
      let shown = 0;
      child.stdout?.on('data', (d: Buffer) => (shown += d.length));
      const run = await collectRun(child, 60_000);
      t.not(run.code, 0);
      t.comment(`${shown} bytes shown before the cut`);
      const row = await sessionOf(db, grant);
      t.equal(row.end_reason, 'recording_failed');
      t.match(await endedAudit(db, row.session_id), { end_reason: 'recording_failed', recording_error: 'ENOSPC', recording_incomplete: true });
    });

    await t.test('recordings on a read-only file system: the session is refused before the device is reached', async (t) => {
      const mountPoint = mountTmpfs(t, '1m');
      mkdirSync(join(mountPoint, 'recordings'));
      const remount = spawnSync('mount', ['-o', 'remount,ro', mountPoint], { encoding: 'utf8' });
      if (remount.status !== 0) throw new Error(`cannot remount read-only: ${remount.stderr}`);
      const bastion = await bastionFor(t, world, { recordingsDir: join(mountPoint, 'recordings') });
      const grant = await grantOn(world, 'readonly', -60_000, 3 * 3600_000);
      const run = await ssh(bastion, world.vendor, 'carol+ct-readonly', ['echo should-not-run']);
      t.equal(run.code, 1);
      t.notMatch(run.stdout, /should-not-run/);
      t.match(run.stderr, /\(recording_unavailable\).*l'enregistrement ne peut plus être écrit/);
      const sessions = await listBastionSessions(db, { state: 'all' });
      t.notOk(sessions.some((r) => r.grant_id === grant.requestId), 'no session was opened');
      const refused = await db.selectFrom('audit_log').select(['details']).where('action', '=', 'bastion.session_refused').execute();
      t.ok(refused.some((r) => (JSON.parse(r.details) as { recording_error?: string }).recording_error === 'EROFS'), JSON.stringify(refused));
    });

    await t.test('an idle session is cut', async (t) => {
      const bastion = await bastionFor(t, world, { watchdog: { ...DEFAULT_WATCHDOG, idleTimeoutMs: 1500 } });
      const grant = await grantOn(world, 'idle', -60_000, 3 * 3600_000);
      const run = await ssh(bastion, world.vendor, 'carol+ct-idle', ['sleep 60']);
      t.match(run.stderr, /inactivité \/ idle timeout/);
      t.equal((await sessionOf(db, grant)).end_reason, 'idle');
    });

    if (kind === 'postgres') {
      await t.test('a database that cannot be read cuts the session (fail closed)', async (t) => {
        const logLines: string[] = [];
        const bastion = await bastionFor(t, world, { watchdog: { ...DEFAULT_WATCHDOG, failClosedMs: 1500 } }, (line) => logLines.push(line));
        const grant = await grantOn(world, 'db', -60_000, 3 * 3600_000);
        const cat = await runningCat(bastion, world, 'carol+ct-db');
        const [live] = (await listBastionSessions(db, { state: 'live' })).filter((r) => r.grant_id === grant.requestId);
        // The database goes away: its connections are ended and new ones refused.
        const url = new URL(world.databaseUrl!);
        const name = url.pathname.slice(1);
        url.pathname = '/postgres';
        const admin = new pg.Client({ connectionString: url.toString() });
        await admin.connect();
        let reopened = false;
        const reopen = async () => {
          if (!reopened) await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
          reopened = true;
        };
        t.teardown(async () => {
          await reopen();
          await admin.end();
        });
        await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
        const run = await cat.done;
        t.not(run.code, 0);
        t.match(cat.seen.stderr, /la base de Vigie est injoignable/);
        t.ok(logLines.some((line) => line.includes('bastion watchdog cannot read the database')));
        // The end could not be written while the database was away: it is, once it is back.
        await waitFor(() => logLines.some((line) => line.includes('bastion session end not recorded yet')), 10_000, 'the failed first write of the end');
        // The session leaves the bastion without waiting for the database (bounded wait: the first attempts fail fast).
        await waitFor(() => bastion.running.liveSessions().length === 0, 10_000, 'the session to leave the bastion while the database is still away');
        t.equal(reopened, false, 'still before the database came back');
        await reopen();
        const row = await sessionOf(db, grant);
        t.equal(row.session_id, live!.session_id);
        t.equal(row.end_reason, 'database_unreachable');
        t.ok(row.signed_sha256, 'its recording was sealed');
        t.match(await endedAudit(db, row.session_id), { end_reason: 'database_unreachable', signed_manifest_sha256: row.signed_sha256 });
      });
    }
  });
}
