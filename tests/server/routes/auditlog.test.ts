// /api/v1/auditlog: the journal newest first with backward paging and a filter by action, and its
// verification over HTTP, which names the first break once someone has tampered with it.
import { Migrator } from 'kysely';
import t from 'tap';
import { appendAuditEvent } from '../../../server/auditlog/auditlog.js';
import { StaticMigrationProvider } from '../../../server/db/migrations/index.js';
import { bearer, DB_KINDS, readToken, testApp, TEST_NOW } from '../fixture.js';

for (const kind of DB_KINDS) {
  t.test(`audit log over HTTP (${kind})`, async (t) => {
    const { app, db } = await testApp(t, kind);
    for (let n = 1; n <= 5; n++) {
      await appendAuditEvent(db, {
        actor: { type: 'user', id: `u${n}` },
        action: n % 2 === 0 ? 'user.created' : 'login.failed',
        target: `user:u${n}`,
        details: { n },
        at: TEST_NOW,
      });
    }
    const token = await readToken(db); // creating the token is journaled too: entry 6
    const get = (url: string) => app.inject({ method: 'GET', url, headers: bearer(token) });

    const first = await get('/api/v1/auditlog?limit=4');
    t.equal(first.statusCode, 200, first.body);
    t.same(first.json().entries.map((e: { seq: number }) => e.seq), [6, 5, 4, 3], 'newest first');
    t.equal(first.json().next_before_seq, 3);
    const second = await get(`/api/v1/auditlog?limit=4&before_seq=${first.json().next_before_seq}`);
    t.same(second.json().entries.map((e: { seq: number }) => e.seq), [2, 1]);
    t.equal(second.json().next_before_seq, null, 'the last page says so');
    const failed = await get('/api/v1/auditlog?action=login.failed');
    t.same(failed.json().entries.map((e: { actor: { id: string } }) => e.actor.id), ['u5', 'u3', 'u1']);
    for (const bad of ['limit=0', 'limit=5000', 'before_seq=-1', 'action=DROP%20TABLE', 'other=1']) {
      t.equal((await get(`/api/v1/auditlog?${bad}`)).statusCode, 400, bad);
    }

    const verified = await get('/api/v1/auditlog/verify');
    t.match(verified.json(), { ok: true, entries: 6, head: { seq: 6 } });

    // Someone with enough rights drops the append-only triggers and edits an entry.
    await new Migrator({ db, provider: new StaticMigrationProvider(kind) }).migrateTo('0005_verdict_sets');
    await db.updateTable('audit_log').set({ actor_id: 'mallory' }).where('seq', '=', 2).execute();
    const broken = await get('/api/v1/auditlog/verify');
    t.equal(broken.statusCode, 200);
    t.match(broken.json(), { ok: false, seq: 2, problem: 'edited' });
  });
}
