// `vigie org declare|list|status|withdraw` on a real data directory: declarations are stored with
// the declarant, audit-logged as CLI actions, judged by `org status`; bad input exits 2 and stores nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { listAuditEntries } from '../../../server/auditlog/auditlog.js';
import type { CliIo } from '../../../server/cli/io.js';
import { runCli } from '../../../server/cli/run.js';
import { openDatabase } from '../../../server/db/database.js';

function capture(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (s) => out.push(s), stderr: (s) => err.push(s), env: {} };
}

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

t.test('vigie org: declare, list, status, withdraw', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigie-org-cli-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const run = async (args: string[]) => {
    const io = capture();
    const code = await runCli([...args, '--data-dir', dataDir], io);
    return { code, out: io.out.join('\n'), err: io.err.join('\n') };
  };

  const status0 = await run(['org', 'status', '--json']);
  t.equal(status0.code, 0, status0.err);
  t.same(JSON.parse(status0.out).verdicts.map((v: { status: string }) => v.status), ['unknown', 'unknown', 'unknown']);

  const declared = await run(['org', 'declare', '--kind', 'ads-audit', '--date', day(-30), '--reference', 'ORADAD 2026-T4', '--expires', day(200),
    '--declared-by', 'Claire Martin (RSSI)', '--subject', 'chu-exemple.local', '--directory', 'production', '--score', '2', '--json']);
  t.equal(declared.code, 0, declared.err);
  const declaration = JSON.parse(declared.out).declaration;
  t.match(declaration, { rule_id: 'ORG-02', kind: 'ads_audit', score: 2, declared_by: 'Claire Martin (RSSI)' });

  const status = await run(['org', 'status', '--lang', 'en']);
  t.match(status.out, /ORG-02\tfail\thigh\tDirectory not compliant: chu-exemple\.local \(production AD\): score 2 < 3/);

  const refused = await run(['org', 'declare', '--kind', 'ads-audit', '--date', day(-30), '--reference', 'ORADAD', '--expires', day(200), '--declared-by', 'C']);
  t.equal(refused.code, 2);
  t.match(refused.err, /score \(1 to 5\) is required/);
  t.equal((await run(['org', 'declare', '--kind', 'pentest', '--date', day(-1), '--reference', 'x', '--expires', day(1), '--declared-by', 'C'])).code, 2);

  const listed = await run(['org', 'list']);
  t.match(listed.out, new RegExp(`${declaration.id}\\tORG-02\\tads_audit`));
  t.equal(listed.out.split('\n').length, 2, 'header + the one declaration: refusals stored nothing');

  const withdrawn = await run(['org', 'withdraw', declaration.id, '--reason', 'Score saisi sur le mauvais domaine.', '--by', 'Claire Martin']);
  t.equal(withdrawn.code, 0, withdrawn.err);
  t.match((await run(['org', 'list'])).out, /withdrawn/);

  const db = await openDatabase({ dataDir, databaseUrl: null });
  t.teardown(() => db.destroy());
  const entries = await listAuditEntries(db, { limit: 10 });
  t.same(entries.filter((e) => e.action.startsWith('org.')).map((e) => [e.action, e.actor.type]), [
    ['org.declaration.withdrawn', 'cli'],
    ['org.declaration.created', 'cli'],
  ]);
});
