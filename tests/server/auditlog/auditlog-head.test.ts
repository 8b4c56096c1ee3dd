// The audit log's head: protected in the database like the journal rows, and pinned from outside
// with `--expect-head SEQ:HASH` (CLI and API), which detects a cut or rewritten end that the
// chain alone cannot show. And verification returns to the event loop between pages, so a long
// log does not hold the server for a time that grows with its length.
import t, { type Test } from 'tap';
import { Migrator, sql } from 'kysely';
import { appendAuditEvent, VERIFY_PAGE, verifyAuditLog, type AuditEvent } from '../../../server/auditlog/auditlog.js';
import { runCli } from '../../../server/cli/run.js';
import { readAuditHead } from '../../../server/db/auditlog.js';
import { StaticMigrationProvider } from '../../../server/db/migrations/index.js';
import type { Database } from '../../../server/db/schema.js';
import { fullSession } from '../auth/helpers.js';
import { DB_KINDS, openTestDatabase, TEST_NOW, testApp, type TestDatabase } from '../fixture.js';

const event = (n: number, who = 'alice'): AuditEvent => ({
  actor: { type: 'user', id: who },
  action: 'user.created',
  target: `user:u${n}`,
  details: { n },
  at: new Date(TEST_NOW.getTime() + n * 1000),
});

async function fill(db: Database, from: number, to: number, who = 'alice'): Promise<void> {
  for (let n = from; n <= to; n++) await appendAuditEvent(db, event(n, who));
}

async function hashAt(db: Database, seq: number): Promise<string> {
  const row = await db.selectFrom('audit_log').select('hash').where('seq', '=', seq).executeTakeFirstOrThrow();
  return row.hash;
}

async function cli(database: TestDatabase, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const env: NodeJS.ProcessEnv = database.databaseUrl === null ? {} : { DATABASE_URL: database.databaseUrl };
  const code = await runCli(['auditlog', 'verify', '--data-dir', database.dataDir, ...args], { stdout: (s) => out.push(s), stderr: (s) => err.push(s), env });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** An attacker with enough database rights first removes the protecting triggers (0006 and 0008b). */
async function dropProtections(t: Test, db: Database, kind: string): Promise<void> {
  const migrator = new Migrator({ db, provider: new StaticMigrationProvider(kind as 'sqlite' | 'postgres') });
  t.equal((await migrator.migrateTo('0005_verdict_sets')).error, undefined);
}

for (const kind of DB_KINDS) {
  t.test(`audit log head (${kind})`, async (t) => {
    t.test('the database refuses to delete, duplicate, move back or repoint the head row', async (t) => {
      const { db } = await openTestDatabase(t, kind);
      await fill(db, 1, 6);
      const h4 = await hashAt(db, 4);
      await t.rejects(db.deleteFrom('audit_log_head').execute(), /protected/, 'delete');
      await t.rejects(sql`insert into audit_log_head (id, last_seq, last_hash) values (2, 4, ${h4})`.execute(db), /protected/, 'a second head');
      await t.rejects(db.updateTable('audit_log_head').set({ last_seq: 4, last_hash: h4 }).execute(), /protected/, 'moved back onto an earlier entry');
      await t.rejects(db.updateTable('audit_log_head').set({ last_hash: 'a'.repeat(64) }).execute(), /protected/, 'hash rewritten');
      await t.rejects(db.updateTable('audit_log_head').set({ last_seq: 7, last_hash: 'a'.repeat(64) }).execute(), /protected/, 'moved past the end');
      if (kind === 'postgres') await t.rejects(sql`TRUNCATE audit_log_head`.execute(db), /protected/, 'truncate');
      t.same(await readAuditHead(db), { last_seq: 6, last_hash: await hashAt(db, 6) }, 'the head is unchanged');
      await fill(db, 7, 8);
      t.match(await verifyAuditLog(db), { ok: true, entries: 8 }, 'appending still moves the head');
    });

    t.test('--expect-head detects the end cut with the head row rewritten, and a rewritten end', async (t) => {
      const database = await openTestDatabase(t, kind);
      const { db } = database;
      await fill(db, 1, 6);
      const pinned = await verifyAuditLog(db);
      if (!pinned.ok) throw new Error('fresh log not intact');
      const pin = `${pinned.head.seq}:${pinned.head.hash}`;
      const intact = await cli(database, ['--expect-head', pin]);
      t.equal(intact.code, 0);
      t.match(intact.out, `still holds the expected head ${pin}`);
      t.equal((await cli(database, ['--expect-head', `3:${await hashAt(db, 3)}`])).code, 0, 'an earlier head of a grown log is held');

      await dropProtections(t, db, kind);
      await db.deleteFrom('audit_log').where('seq', '>=', 5).execute();
      await db.updateTable('audit_log_head').set({ last_seq: 4, last_hash: await hashAt(db, 4) }).execute();
      t.match(await verifyAuditLog(db), { ok: true, entries: 4 }, 'the chain alone cannot see the cut');
      t.match(await verifyAuditLog(db, { expectHead: pinned.head }), { ok: false, seq: 5, problem: 'behind_expected_head' });
      const cut = await cli(database, ['--expect-head', pin]);
      t.equal(cut.code, 1);
      t.match(cut.out, /TAMPERED at seq 5 \(behind_expected_head\)/);

      // The cut end written again with other content: as long as before, every hash recomputed.
      await fill(db, 5, 6, 'mallory');
      t.match(await verifyAuditLog(db), { ok: true, entries: 6 }, 'the chain alone cannot see the rewrite');
      t.match(await verifyAuditLog(db, { expectHead: pinned.head }), { ok: false, seq: 6, problem: 'expected_head_mismatch' });
      const json = await cli(database, ['--expect-head', pin, '--json']);
      t.equal(json.code, 1);
      t.match(JSON.parse(json.out), { ok: false, problem: 'expected_head_mismatch' });
    });

    t.test('a malformed --expect-head is a usage error', async (t) => {
      const database = await openTestDatabase(t, kind);
      for (const bad of ['6', '6:abc', `x:${'a'.repeat(64)}`, `-1:${'a'.repeat(64)}`]) {
        const run = await cli(database, ['--expect-head', bad]);
        t.equal(run.code, 2, `"${bad}" exits 2`);
        t.match(run.err, /SEQ:HASH/);
      }
      t.equal((await cli(database, ['--expect-head', `0:${'0'.repeat(64)}`])).code, 0, 'the empty log holds the genesis head');
    });

    t.test('GET /api/v1/auditlog/verify?expect_head=SEQ:HASH', async (t) => {
      const { app, db } = await testApp(t, kind);
      const auditor = await fullSession(app, db, 'audra', 'auditor', TEST_NOW);
      const head = await readAuditHead(db);
      const verify = (query: string) => app.inject({ method: 'GET', url: `/api/v1/auditlog/verify${query}`, cookies: auditor.cookies });
      const ok = await verify(`?expect_head=${head.last_seq}:${head.last_hash}`);
      t.equal(ok.statusCode, 200);
      t.match(ok.json(), { ok: true, expected_head: { seq: head.last_seq, hash: head.last_hash } });
      const ahead = await verify(`?expect_head=${head.last_seq + 10}:${head.last_hash}`);
      t.match(ahead.json(), { ok: false, problem: 'behind_expected_head' });
      const bad = await verify('?expect_head=nonsense');
      t.equal(bad.statusCode, 400);
      t.match(bad.json(), { error: { code: 'invalid_expect_head' } });
      const [a, b] = await Promise.all([verify(''), verify('')]);
      t.same(a.json(), b.json(), 'concurrent verifications share one walk and its answer');
    });

    t.test('verification returns to the event loop between pages', async (t) => {
      const { db } = await openTestDatabase(t, kind);
      const pages = 4;
      await db.transaction().execute(async (trx) => {
        for (let n = 1; n <= pages * VERIFY_PAGE; n++) await appendAuditEvent(trx, event(n));
      });
      // Count event-loop turns (setImmediate callbacks) while verification runs: a walk that held
      // the loop from start to end would leave none.
      let turns = 0;
      let running = true;
      const spin = () => {
        if (!running) return;
        turns += 1;
        setImmediate(spin);
      };
      setImmediate(spin);
      const result = await verifyAuditLog(db);
      running = false;
      t.match(result, { ok: true, entries: pages * VERIFY_PAGE });
      t.ok(turns >= pages - 1, `the loop ran ${turns} times during verification (at least once per page boundary)`);
    });
  });
}
