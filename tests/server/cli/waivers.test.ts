// `vigie waiver add|list|revoke` on both databases: the operator revokes a running waiver with a
// reason (recorded as the CLI actor, journalled with the reason); an unknown, expired or already
// revoked waiver is refused with why, exit 2, and nothing is written. The real launcher too.
import t from 'tap';
import { listAuditEntries, verifyAuditLog } from '../../../server/auditlog/auditlog.js';
import { runCli } from '../../../server/cli/run.js';
import { ensureSite } from '../../../server/db/hosts.js';
import { findWaiver, insertWaiver } from '../../../server/db/waivers.js';
import { runVigie } from '../../helpers/vigie-process.js';
import { DB_KINDS, openTestDatabase } from '../fixture.js';

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const REASON = 'Le NAS de remplacement est en service (ticket SI-4521).';

for (const kind of DB_KINDS) {
  t.test(`vigie waiver revoke (${kind})`, async (t) => {
    const database = await openTestDatabase(t, kind);
    const env: NodeJS.ProcessEnv = database.databaseUrl === null ? {} : { DATABASE_URL: database.databaseUrl };
    const run = async (args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli([...args, '--data-dir', database.dataDir], { stdout: (s) => out.push(s), stderr: (s) => err.push(s), env });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    await ensureSite(database.db, 'ch-a', new Date());
    const added = await run(['waiver', 'add', '--rule', 'BKP-01', '--scope', 'site:ch-a', '--justification', 'NAS de remplacement commandé', '--approver', 'Claire Martin', '--expires', day(30), '--json']);
    t.equal(added.code, 0, added.err);
    const { id } = (JSON.parse(added.out) as { waiver: { id: string } }).waiver;
    const revocations = async () => (await listAuditEntries(database.db, { limit: 100, action: 'waiver.revoked' })).length;

    const refusals: Array<[string[], RegExp]> = [
      [['waiver', 'revoke', id], /reason/],
      [['waiver', 'revoke', '--reason', REASON], /the waiver id is required/],
      [['waiver', 'revoke', id, '--reason', 'too short'], /reason: say why, in 10 to 1000 characters/],
      [['waiver', 'revoke', 'W-00000000', '--reason', REASON], /vigie waiver revoke: no waiver W-00000000/],
    ];
    for (const [args, why] of refusals) {
      const refused = await run(args);
      t.equal(refused.code, 2, args.join(' '));
      t.match(refused.err, why);
    }
    t.equal(await revocations(), 0, 'the refusals journalled nothing');
    t.equal((await findWaiver(database.db, id))?.revoked_at, undefined, 'and the waiver still runs');

    const revoked = await run(['waiver', 'revoke', id, '--reason', REASON, '--json']);
    t.equal(revoked.code, 0, revoked.err);
    const waiver = (JSON.parse(revoked.out) as { waiver: { id: string; revoked_at: string; revoked_by: string } }).waiver;
    t.match(waiver, { id, revoked_by: /^cli/ });
    const [entry] = await listAuditEntries(database.db, { limit: 1, action: 'waiver.revoked' });
    t.match(entry, { target: `waiver:${id}`, actor: { type: 'cli', id: waiver.revoked_by } });
    t.same(entry?.details, { rule_id: 'BKP-01', scope: 'site:ch-a', reason: REASON });
    t.match((await run(['waiver', 'list'])).out, new RegExp(`${id}\\tBKP-01\\tsite:ch-a\\trevoked\\t.*\\t${waiver.revoked_at} by ${waiver.revoked_by}`));

    const again = await run(['waiver', 'revoke', id, '--reason', REASON]);
    t.equal(again.code, 2);
    t.match(again.err, `vigie waiver revoke: waiver ${id} was already revoked on ${waiver.revoked_at} by ${waiver.revoked_by}`);
    const lapsed = await insertWaiver(database.db, {
      rule_id: 'BKP-02',
      scope: { site: 'ch-a' },
      justification: 'Bandes RDX en commande (ticket SI-4400).',
      approver: 'Claire Martin',
      created_at: new Date(Date.now() - 20 * 86_400_000),
      expires_at: new Date(Date.now() - 86_400_000),
    });
    const expired = await run(['waiver', 'revoke', lapsed.id, '--reason', REASON]);
    t.equal(expired.code, 2);
    t.match(expired.err, /expired on .*: it no longer applies, there is nothing to revoke/);
    t.equal(await revocations(), 1, 'one entry: the revocation');
    t.match(await verifyAuditLog(database.db), { ok: true });

    // The real launcher, in a child process: the same command and exit codes.
    const other = await insertWaiver(database.db, {
      rule_id: 'BKP-03',
      scope: { site: 'ch-a' },
      justification: 'Sauvegarde hors site en cours de mise en place.',
      approver: 'Claire Martin',
      created_at: new Date(Date.now() - 86_400_000),
      expires_at: new Date(Date.now() + 10 * 86_400_000),
    });
    const spawned = await runVigie(['waiver', 'revoke', other.id, '--reason', REASON, '--data-dir', database.dataDir], env);
    t.equal(spawned.code, 0, spawned.stderr);
    t.match(spawned.stdout, new RegExp(`^Waiver ${other.id} revoked on \\S+ by cli\\S* \\(BKP-03 for site:ch-a\\)\\.`));
    t.ok((await findWaiver(database.db, other.id))?.revoked_at, 'stored as revoked');
  });
}
