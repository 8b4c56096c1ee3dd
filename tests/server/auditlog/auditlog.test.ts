import { createHash } from 'node:crypto';
import t from 'tap';
import { Migrator, sql } from 'kysely';
import {
  appendAuditEvent,
  AUDIT_GENESIS_HASH,
  AuditEventError,
  canonicalEntry,
  canonicalJson,
  listAuditEntries,
  verifyAuditLog,
  type AuditEvent,
} from '../../../server/auditlog/auditlog.js';
import { runCli } from '../../../server/cli/run.js';
import { StaticMigrationProvider } from '../../../server/db/migrations/index.js';
import type { Database } from '../../../server/db/schema.js';
import { createApiToken } from '../../../server/auth/tokens.js';
import { DB_KINDS, enrollHost, openTestDatabase, TEST_NOW, testApp, type TestDatabase } from '../fixture.js';

const event = (n: number): AuditEvent => ({
  actor: { type: 'user', id: 'alice' },
  action: 'user.created',
  target: `user:u${n}`,
  details: { n, role: 'auditor', nested: { b: [1, 'deux'], a: null } },
  at: new Date(TEST_NOW.getTime() + n * 1000),
});

async function fill(db: Database, count: number): Promise<void> {
  for (let n = 1; n <= count; n++) await appendAuditEvent(db, event(n));
}

function cliIo(env: NodeJS.ProcessEnv) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s), env }, out, err };
}

async function cliVerify(database: TestDatabase): Promise<{ code: number; out: string }> {
  const env: NodeJS.ProcessEnv = database.databaseUrl === null ? {} : { DATABASE_URL: database.databaseUrl };
  const { io, out } = cliIo(env);
  const code = await runCli(['auditlog', 'verify', '--data-dir', database.dataDir], io);
  return { code, out: out.join('\n') };
}

t.test('canonical JSON is RFC 8785 (sorted keys, ES number forms)', async (t) => {
  t.equal(canonicalJson({ b: 1, a: { d: [3, 'é'], c: 1e21 }, e: 1.5 }), '{"a":{"c":1e+21,"d":[3,"é"]},"b":1,"e":1.5}');
  const content = { seq: 1, at: '2025-01-01T00:00:00.000Z', actor: { type: 'cli' as const, id: 'root' }, action: 'user.created', target: null, details: { z: 1, a: 2 } };
  t.equal(
    canonicalEntry(content),
    '{"action":"user.created","actor":{"id":"root","type":"cli"},"at":"2025-01-01T00:00:00.000Z","details":{"a":2,"z":1},"seq":1,"target":null}',
  );
});

for (const kind of DB_KINDS) {
  t.test(`audit log (${kind})`, async (t) => {
    t.test('appends chain entries and verify accepts an intact log', async (t) => {
      const database = await openTestDatabase(t, kind);
      const { db } = database;
      t.same(await verifyAuditLog(db), { ok: true, entries: 0, head: { seq: 0, hash: AUDIT_GENESIS_HASH } }, 'an empty log is intact');
      const first = await appendAuditEvent(db, event(1));
      t.equal(first.seq, 1);
      t.equal(first.prev_hash, AUDIT_GENESIS_HASH);
      const expected = createHash('sha256').update(AUDIT_GENESIS_HASH + canonicalEntry(first)).digest('hex');
      t.equal(first.hash, expected, 'hash = SHA-256(prev_hash || canonical entry)');
      const second = await appendAuditEvent(db, { actor: { type: 'system', id: 'vigie' }, action: 'audit.run' });
      t.equal(second.prev_hash, first.hash);
      t.same(second.details, {});
      t.equal(second.target, null);
      await fill(db, 3);
      const result = await verifyAuditLog(db);
      t.match(result, { ok: true, entries: 5, head: { seq: 5 } });

      const latest = await listAuditEntries(db, { limit: 2 });
      t.same(latest.map((e) => e.seq), [5, 4], 'newest first');
      t.same(latest[0]?.details, { n: 3, role: 'auditor', nested: { a: null, b: [1, 'deux'] } });
      t.same((await listAuditEntries(db, { limit: 10, action: 'audit.run' })).map((e) => e.seq), [2]);
      t.same((await listAuditEntries(db, { limit: 10, beforeSeq: 3 })).map((e) => e.seq), [2, 1]);

      const cli = await cliVerify(database);
      t.equal(cli.code, 0);
      t.match(cli.out, /intact: 5 entries/);
    });

    t.test('refuses secrets, bad actions and oversized details', async (t) => {
      const { db } = await openTestDatabase(t, kind);
      const bad: [string, AuditEvent][] = [
        ['password key', { actor: { type: 'cli', id: 'root' }, action: 'user.created', details: { password: 'x' } }],
        ['nested token', { actor: { type: 'cli', id: 'root' }, action: 'token.created', details: { a: [{ token: 'vigie_x' }] } }],
        ['totp code', { actor: { type: 'user', id: 'a' }, action: 'auth.login', details: { totp_code: '123456' } }],
        ['session id', { actor: { type: 'user', id: 'a' }, action: 'auth.login', details: { session_id: 's' } }],
        ['bad action', { actor: { type: 'user', id: 'a' }, action: 'Login' }],
        ['bad actor type', { actor: { type: 'robot' as 'user', id: 'a' }, action: 'auth.login' }],
        ['huge details', { actor: { type: 'user', id: 'a' }, action: 'auth.login', details: { blob: 'x'.repeat(9000) } }],
      ];
      for (const [name, e] of bad) await t.rejects(appendAuditEvent(db, e), AuditEventError, name);
      t.same(await verifyAuditLog(db), { ok: true, entries: 0, head: { seq: 0, hash: AUDIT_GENESIS_HASH } }, 'nothing written');
    });

    t.test('an entry appended inside a transaction rolls back with it', async (t) => {
      const { db } = await openTestDatabase(t, kind);
      await fill(db, 1);
      await t.rejects(
        db.transaction().execute(async (trx) => {
          await appendAuditEvent(trx, event(2));
          throw new Error('the caller failed');
        }),
        /the caller failed/,
      );
      await db.transaction().execute(async (trx) => {
        await appendAuditEvent(trx, event(3));
      });
      t.same((await listAuditEntries(db, { limit: 10 })).map((e) => [e.seq, e.target]), [[2, 'user:u3'], [1, 'user:u1']]);
      t.match(await verifyAuditLog(db), { ok: true, entries: 2 });
    });

    t.test('concurrent appends never fork the chain', async (t) => {
      const { db } = await openTestDatabase(t, kind);
      const entries = await Promise.all(Array.from({ length: 25 }, (_, i) => appendAuditEvent(db, event(i + 1))));
      t.same(entries.map((e) => e.seq).sort((a, b) => a - b), Array.from({ length: 25 }, (_, i) => i + 1));
      t.match(await verifyAuditLog(db), { ok: true, entries: 25 });
    });

    // Each tampering acts on a fresh log of 6 entries, as an attacker with database access would.
    const tamperings: [string, (db: Database) => Promise<void>, { seq: number; problem: string }][] = [
      [
        'edited details',
        async (db) => {
          await db.updateTable('audit_log').set({ details: '{"n":3,"role":"admin"}' }).where('seq', '=', 3).execute();
        },
        { seq: 3, problem: 'edited' },
      ],
      [
        'edited actor',
        async (db) => {
          await db.updateTable('audit_log').set({ actor_id: 'mallory' }).where('seq', '=', 4).execute();
        },
        { seq: 4, problem: 'edited' },
      ],
      [
        'deleted row',
        async (db) => {
          await db.deleteFrom('audit_log').where('seq', '=', 3).execute();
        },
        { seq: 3, problem: 'missing' },
      ],
      [
        'deleted last rows',
        async (db) => {
          await db.deleteFrom('audit_log').where('seq', '>=', 5).execute();
        },
        { seq: 5, problem: 'truncated' },
      ],
      [
        'swapped rows',
        async (db) => {
          await db.updateTable('audit_log').set({ seq: -1 }).where('seq', '=', 2).execute();
          await db.updateTable('audit_log').set({ seq: 2 }).where('seq', '=', 5).execute();
          await db.updateTable('audit_log').set({ seq: 5 }).where('seq', '=', -1).execute();
        },
        { seq: 2, problem: 'reordered' },
      ],
      [
        'altered hash',
        async (db) => {
          await db.updateTable('audit_log').set({ hash: 'f'.repeat(64) }).where('seq', '=', 4).execute();
        },
        { seq: 4, problem: 'bad_hash' },
      ],
      [
        'deleted row and renumbered the rest',
        async (db) => {
          await db.deleteFrom('audit_log').where('seq', '=', 3).execute();
          for (const seq of [4, 5, 6]) await db.updateTable('audit_log').set({ seq: seq - 1 }).where('seq', '=', seq).execute();
          await db.updateTable('audit_log_head').set({ last_seq: 5 }).execute();
        },
        { seq: 3, problem: 'broken_link' },
      ],
      [
        'rewritten head',
        async (db) => {
          await db.updateTable('audit_log_head').set({ last_hash: 'a'.repeat(64) }).execute();
        },
        { seq: 6, problem: 'head_mismatch' },
      ],
    ];
    t.test('the database refuses edits and deletions of journal rows', async (t) => {
      const { db } = await openTestDatabase(t, kind);
      await fill(db, 3);
      await t.rejects(db.updateTable('audit_log').set({ actor_id: 'mallory' }).where('seq', '=', 2).execute(), /append-only/);
      await t.rejects(db.deleteFrom('audit_log').where('seq', '=', 3).execute(), /append-only/);
      if (kind === 'postgres') await t.rejects(sql`TRUNCATE audit_log`.execute(db), /append-only/);
      t.match(await verifyAuditLog(db), { ok: true, entries: 3 }, 'nothing changed');
    });

    for (const [name, tamper, expected] of tamperings) {
      t.test(`detects: ${name}`, async (t) => {
        const database = await openTestDatabase(t, kind);
        await fill(database.db, 6);
        t.match(await verifyAuditLog(database.db), { ok: true, entries: 6 });
        // An attacker with enough database rights first removes the append-only triggers.
        const migrator = new Migrator({ db: database.db, provider: new StaticMigrationProvider(kind) });
        t.equal((await migrator.migrateTo('0005_verdict_sets')).error, undefined);
        await tamper(database.db);
        const result = await verifyAuditLog(database.db);
        t.match(result, { ok: false, ...expected }, JSON.stringify(result));
        const cli = await cliVerify(database);
        t.equal(cli.code, 1, 'vigie auditlog verify exits 1');
        t.match(cli.out, new RegExp(`TAMPERED at seq ${expected.seq} \\(${expected.problem}\\)`));
      });
    }

    t.test('enrollment, token creation and host revocation are journaled', async (t) => {
      const database = await testApp(t, kind);
      const host = await enrollHost(database.app, database.db, { site: 'ch-nord', role: 'workstation', hostname: 'ws-1' });
      await createApiToken(database.db, { name: 'siem', now: TEST_NOW });
      const env: NodeJS.ProcessEnv = { SUDO_USER: 'ops', ...(database.databaseUrl === null ? {} : { DATABASE_URL: database.databaseUrl }) };
      const { io } = cliIo(env);
      t.equal(await runCli(['host', 'revoke', '--id', host.host_id, '--data-dir', database.dataDir], io), 0);
      t.equal(await runCli(['host', 'revoke', '--id', host.host_id, '--data-dir', database.dataDir], io), 0, 'revoking twice journals once');
      const entries = (await listAuditEntries(database.db, { limit: 10 })).reverse();
      t.match(
        entries.map((e) => ({ action: e.action, actor: e.actor, target: e.target, details: e.details })),
        [
          { action: 'enrollment_token.created', actor: { type: 'system' }, details: { site: 'ch-nord', role: 'workstation' } },
          { action: 'host.enrolled', actor: { type: 'agent', id: host.host_id }, target: `host:${host.host_id}`, details: { hostname: 'ws-1', site: 'ch-nord' } },
          { action: 'token.created', details: { name: 'siem', scope: 'auditor' } },
          { action: 'host.revoked', actor: { type: 'cli', id: 'ops' }, target: `host:${host.host_id}` },
        ],
      );
      t.equal(entries.length, 4);
      t.match(await verifyAuditLog(database.db), { ok: true, entries: 4 });
    });

    t.test('vigie auditlog list', async (t) => {
      const database = await openTestDatabase(t, kind);
      const env: NodeJS.ProcessEnv = database.databaseUrl === null ? {} : { DATABASE_URL: database.databaseUrl };
      const empty = cliIo(env);
      t.equal(await runCli(['auditlog', 'list', '--data-dir', database.dataDir], empty.io), 0);
      t.match(empty.out.join(''), /empty/);
      await fill(database.db, 3);
      const json = cliIo(env);
      t.equal(await runCli(['auditlog', 'list', '--limit', '2', '--json', '--data-dir', database.dataDir], json.io), 0);
      const parsed = JSON.parse(json.out.join('')) as { entries: { seq: number }[] };
      t.same(parsed.entries.map((e) => e.seq), [3, 2]);
      const text = cliIo(env);
      t.equal(await runCli(['auditlog', 'list', '--data-dir', database.dataDir], text.io), 0);
      t.match(text.out[1] ?? '', /^3\t.*\tuser:alice\tuser\.created\tuser:u3\t/);
      const bad = cliIo(env);
      t.equal(await runCli(['auditlog', 'list', '--limit', '0', '--data-dir', database.dataDir], bad.io), 2);
    });
  });
}
