import t from 'tap';
import { listAuditEntries, verifyAuditLog } from '../../../server/auditlog/auditlog.js';
import { verifyPassword } from '../../../server/auth/passwords.js';
import { runCli } from '../../../server/cli/run.js';
import { createAccount } from '../../../server/auth/accounts.js';
import { findUserByUsername } from '../../../server/db/users.js';
import { DB_KINDS, openTestDatabase } from '../fixture.js';

for (const kind of DB_KINDS) {
  t.test(`vigie user (${kind})`, async (t) => {
    const database = await openTestDatabase(t, kind);
    const env: NodeJS.ProcessEnv = { SUDO_USER: 'root-op', ...(database.databaseUrl === null ? {} : { DATABASE_URL: database.databaseUrl }) };
    const run = async (args: string[], stdin?: string) => {
      const out: string[] = [];
      const err: string[] = [];
      const io = { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s), env, ...(stdin === undefined ? {} : { readStdin: async () => stdin }) };
      const code = await runCli([...args, '--data-dir', database.dataDir], io);
      return { code, out: out.join('\n'), err: err.join('\n') };
    };

    const added = await run(['user', 'add', '--username', 'alice', '--role', 'admin', '--json']);
    t.equal(added.code, 0);
    const { initial_password } = JSON.parse(added.out) as { initial_password: string };
    t.match(initial_password, /^[A-Za-z0-9_-]{20}$/);
    const alice = await findUserByUsername(database.db, 'alice');
    t.ok(alice !== undefined && (await verifyPassword(alice.password_hash, initial_password)), 'the printed password is the stored one');
    t.match(alice?.password_hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    t.equal(alice?.password_must_change, true);

    const typed = await run(['user', 'add', '--username', 'bob', '--role', 'auditor', '--password-stdin'], 'a long enough passphrase\n');
    t.equal(typed.code, 0);
    t.notMatch(typed.out, /passphrase/);
    const bob = await findUserByUsername(database.db, 'bob');
    t.ok(bob !== undefined && (await verifyPassword(bob.password_hash, 'a long enough passphrase')));
    t.equal((await run(['user', 'add', '--username', 'carol', '--role', 'auditor', '--password-stdin'], 'short')).code, 1, 'weak password refused');
    t.equal((await run(['user', 'add', '--username', 'bob', '--role', 'auditor'])).code, 1, 'taken');
    t.equal((await run(['user', 'add', '--username', 'Bad Name', '--role', 'auditor'])).code, 2);
    t.equal((await run(['user', 'add', '--username', 'zed', '--role', 'root'])).code, 2);
    // log-shipper is an API token's role: never a person's (issue 18).
    const shipper = await run(['user', 'add', '--username', 'squid-gw', '--role', 'log-shipper']);
    t.equal(shipper.code, 2, shipper.err);
    t.match(shipper.err, /role/);
    t.equal(await findUserByUsername(database.db, 'squid-gw'), undefined, 'no person holds the log-shipper role');
    await t.rejects(createAccount(database.db, { username: 'squid-gw', role: 'log-shipper' }, { type: 'cli', id: 'tests' }, new Date()), { code: 'role_not_for_people' });

    const list = await run(['user', 'list', '--json']);
    t.same((JSON.parse(list.out) as { users: { username: string; mfa_enabled: boolean }[] }).users.map((u) => [u.username, u.mfa_enabled]), [['alice', false], ['bob', false]]);
    t.match((await run(['user', 'list'])).out, /alice\tadmin\tpending\tactive/);

    t.equal((await run(['user', 'disable', '--username', 'bob'])).code, 0);
    t.match((await run(['user', 'disable', '--username', 'bob'])).out, /already disabled/);
    t.equal((await run(['user', 'disable', '--username', 'nobody'])).code, 1);
    t.equal((await run(['user', 'reset-mfa', '--username', 'alice'])).code, 0);
    t.equal((await run(['user', 'reset-mfa', '--username', 'nobody'])).code, 1);

    const entries = (await listAuditEntries(database.db, { limit: 10 })).reverse();
    t.same(entries.map((e) => [e.action, e.target, e.actor.type, e.actor.id]), [
      ['user.created', 'user:alice', 'cli', 'root-op'],
      ['user.created', 'user:bob', 'cli', 'root-op'],
      ['user.disabled', 'user:bob', 'cli', 'root-op'],
      ['user.mfa_reset', 'user:alice', 'cli', 'root-op'],
    ]);
    t.match(await verifyAuditLog(database.db), { ok: true, entries: 4 });
  });
}
