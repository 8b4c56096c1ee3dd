// The login lockout holds under real concurrent requests over HTTP: attempts are reserved before
// the password is hashed, so no more than the lockout allows are evaluated, per account and per
// address, however many arrive at once; and password hashes in flight are bounded (503 early).
import t from 'tap';
import { listAuditEntries, verifyAuditLog } from '../../../server/auditlog/auditlog.js';
import { createAccount } from '../../../server/auth/accounts.js';
import { DEFAULT_THROTTLE, journalPendingRefusals } from '../../../server/auth/throttle.js';
import { totpCode } from '../../../server/auth/totp.js';
import { DB_KINDS, listen, TEST_NOW, testApp } from '../fixture.js';
import { postJson, type HttpAnswer } from '../../helpers/http-client.js';
import { fullSession, PASSWORD } from './helpers.js';

const LOGIN = '/api/v1/auth/login';
const ATTEMPTS = 200;
const MAX = DEFAULT_THROTTLE.maxFailures;

function tally(answers: HttpAnswer[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
}

for (const kind of DB_KINDS) {
  t.test(`login throttling under concurrency (${kind})`, async (t) => {
    t.test(`${ATTEMPTS} concurrent attempts with the right password and wrong codes from one address`, async (t) => {
      let clock = TEST_NOW;
      const { app, db } = await testApp(t, kind, { now: () => clock });
      const alice = await fullSession(app, db, 'alice', 'rssi', clock);
      const right = totpCode(alice.totpSecret ?? '', clock);
      const wrong = right === '000000' ? '111111' : '000000';
      const base = await listen(app);
      const before = (await listAuditEntries(db, { limit: 1000 })).length;

      const answers = await Promise.all(
        Array.from({ length: ATTEMPTS }, () => postJson(base, LOGIN, { username: 'alice', password: PASSWORD, totp_code: wrong }, { localAddress: '127.0.0.2' })),
      );
      const counts = tally(answers);
      t.ok((counts[401] ?? 0) >= 1 && (counts[401] ?? 0) <= MAX, `at most ${MAX} evaluated (401): ${JSON.stringify(counts)}`);
      t.ok((counts[429] ?? 0) >= ATTEMPTS - MAX - (counts[503] ?? 0), 'the rest refused without being evaluated');
      t.same(Object.keys(counts).filter((s) => !['401', '429', '503'].includes(s)), [], 'no other answer');
      for (const a of answers.filter((x) => x.status === 429)) t.match(a.headers['retry-after'], /^\d+$/);

      const entries = (await listAuditEntries(db, { limit: 1000 })).slice(0, -before || undefined);
      const failed = entries.filter((e) => e.action === 'auth.login_failed');
      t.equal(failed.length, counts[401], 'one journal entry per evaluated attempt');
      t.ok(entries.length <= 2 * MAX + 2, `the flood did not flood the journal (${entries.length} entries)`);

      // The burst may end before the account is locked: attempts beyond the hash slots the flood may
      // use are refused (503) without being evaluated, so how many were evaluated depends on timing.
      // The same client, one attempt at a time, then takes it to the lock: never more than MAX in all.
      let evaluated = counts[401] ?? 0;
      let lastStatus = 0;
      for (let i = 0; i <= MAX && lastStatus !== 429; i++) {
        const answer = await postJson(base, LOGIN, { username: 'alice', password: PASSWORD, totp_code: wrong }, { localAddress: '127.0.0.2' });
        lastStatus = answer.status;
        if (answer.status === 401) evaluated += 1;
        else if (answer.status === 503) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      t.equal(lastStatus, 429, 'the client is refused once the failures reach the lock');
      t.equal(evaluated, MAX, `exactly ${MAX} attempts evaluated in all before the lock`);

      // The account is now locked: even the right code from elsewhere is refused until it ends.
      const locked = await postJson(base, LOGIN, { username: 'alice', password: PASSWORD, totp_code: right }, { localAddress: '127.0.0.3' });
      t.equal(locked.status, 429);

      // Once the lock is over the genuine user logs in, and the refusals are journalled once
      // each subject's lock has ended, with their count (those answered from the process's
      // memory too: the server hands them over at its periodic sweep and at shutdown).
      clock = new Date(clock.getTime() + DEFAULT_THROTTLE.maxLockoutMs + 1000);
      const ok = await postJson(base, LOGIN, { username: 'alice', password: PASSWORD, totp_code: totpCode(alice.totpSecret ?? '', clock) }, { localAddress: '127.0.0.3' });
      t.equal(ok.status, 200, 'the genuine user logs in once the lock is over');
      await app.close();
      t.equal(await journalPendingRefusals(db, clock), 0, 'nothing left to journal after the shutdown sweep');
      const summaries = await listAuditEntries(db, { limit: 50, action: 'auth.login_refused' });
      t.ok(summaries.length >= 1 && summaries.length <= 4, `a few summaries (${summaries.length}), not one entry per refusal`);
      const refused = summaries.map((e) => Number(e.details.refused)).reduce((a, b) => a + b, 0);
      t.ok(refused >= (counts[429] ?? 0), `every refusal is counted in the summaries (${refused} >= ${counts[429]})`);
      t.match(await verifyAuditLog(db), { ok: true });
    });

    t.test('concurrent attempts on one account from many addresses', async (t) => {
      const { app, db } = await testApp(t, kind);
      await createAccount(db, { username: 'bob', role: 'auditor', password: PASSWORD }, { type: 'cli', id: 't' }, TEST_NOW);
      const base = await listen(app);
      const answers = await Promise.all(
        Array.from({ length: ATTEMPTS }, (_, i) => postJson(base, LOGIN, { username: 'bob', password: 'wrong password!!' }, { localAddress: `127.0.1.${1 + (i % 20)}` })),
      );
      const counts = tally(answers);
      t.ok((counts[401] ?? 0) <= MAX, `at most ${MAX} evaluated for the account: ${JSON.stringify(counts)}`);
      t.equal((await listAuditEntries(db, { limit: 1000, action: 'auth.login_failed' })).length, counts[401] ?? 0);
    });

    t.test('concurrent attempts on many accounts from one address', async (t) => {
      const { app, db } = await testApp(t, kind);
      const base = await listen(app);
      const answers = await Promise.all(
        Array.from({ length: ATTEMPTS }, (_, i) => postJson(base, LOGIN, { username: `ghost${i}`, password: 'wrong password!!' }, { localAddress: '127.0.2.1' })),
      );
      const counts = tally(answers);
      t.ok((counts[401] ?? 0) <= MAX, `at most ${MAX} evaluated for the address: ${JSON.stringify(counts)}`);
      const rows = await db.selectFrom('login_attempts').select('subject').execute();
      t.ok(rows.length <= MAX + 1, `refused attempts leave no row per username tried (${rows.length} rows)`);
    });

    t.test('password hashes in flight are bounded: the excess is refused at once with 503', async (t) => {
      const { app, db } = await testApp(t, kind);
      const users = 40;
      for (let i = 0; i < users; i++) await createAccount(db, { username: `user${i}`, role: 'auditor', password: PASSWORD }, { type: 'cli', id: 't' }, TEST_NOW);
      const base = await listen(app);
      const login = (i: number) => postJson(base, LOGIN, { username: `user${i}`, password: PASSWORD }, { localAddress: `127.0.3.${1 + i}` });
      const answers = await Promise.all(Array.from({ length: users }, (_, i) => login(i)));
      const counts = tally(answers);
      t.ok((counts[503] ?? 0) >= 1, `some logins were refused early: ${JSON.stringify(counts)}`);
      t.same(Object.keys(counts).sort(), ['200', '503'].filter((s) => counts[Number(s)] !== undefined));
      const busy = answers.find((a) => a.status === 503);
      t.equal(busy?.headers['retry-after'], '1');
      t.equal(JSON.parse(busy?.body ?? '{}').error.code, 'login_busy');
      // A refusal for lack of a slot is not a failure: those users log in on retry, one by one.
      for (const [i, a] of answers.entries()) {
        if (a.status === 503) t.equal((await login(i)).status, 200, `user${i} logs in on retry`);
      }
      t.equal((await listAuditEntries(db, { limit: 1000, action: 'auth.login_failed' })).length, 0, 'nothing journalled as failed');
      const left = await db.selectFrom('login_attempts').selectAll().execute();
      t.same(left.filter((r) => Number(r.reserved) !== 0 || Number(r.failures) !== 0), [], 'no reservation or failure left behind');
    });
  });
}
