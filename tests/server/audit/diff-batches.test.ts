// The audit reads the previous audit over the same host_id ranges as its own batches of hosts:
// the diff (new failures, fixed, new and vanished hosts, wherever they fall: first, between two
// batches, after the last current host) must not depend on where the batches start and end.
import t from 'tap';
import { loadShippedPacks } from '../../../policies/pack.js';
import { runAudit, type AuditRunResult } from '../../../server/audit/run.js';
import { toDbJson, toDbTime } from '../../../server/db/columns.js';
import type { Database } from '../../../server/db/schema.js';
import { backupSource, buildReport, hoursBefore, withBackupSources } from '../../helpers/report-builder.js';
import { DB_KINDS, openTestDatabase, TEST_NOW, TEST_OS } from '../fixture.js';

const SITE = 'ch-r';
const packs = loadShippedPacks();

/** Host `id` (created if new) with a current report whose last backup is `backupAgeHours` old (> 24 h fails BKP-01). */
async function report(db: Database, id: string, backupAgeHours: number, seq: number): Promise<void> {
  const existing = await db.selectFrom('hosts').select('host_id').where('host_id', '=', id).executeTakeFirst();
  if (existing === undefined) {
    await db
      .insertInto('hosts')
      .values({
        host_id: id,
        hostname: `srv-${id}`,
        os: toDbJson(TEST_OS),
        role: 'server',
        site: SITE,
        agent_version: '0.1.0',
        enrolled_at: toDbTime(TEST_NOW),
        last_seen_at: null,
        revoked_at: null,
        credential_hash: 'x'.repeat(64),
        current_report_id: null,
        current_collected_at: null,
      })
      .execute();
  }
  const base = buildReport({ host: { host_id: id, hostname: `srv-${id}`, role: 'server', site: SITE } });
  const body = withBackupSources(base, [backupSource(hoursBefore(backupAgeHours))]);
  body.report_id = `r-${id}-${seq}`;
  await db.insertInto('reports').values({ report_id: body.report_id, host_id: id, collected_at: body.collected_at, received_at: body.collected_at, body: toDbJson(body) }).execute();
  await db.updateTable('hosts').set({ current_report_id: body.report_id, current_collected_at: body.collected_at }).where('host_id', '=', id).execute();
}

const audit = (db: Database, batchSize: number, minutes: number) =>
  runAudit(db, { packs, now: new Date(TEST_NOW.getTime() + minutes * 60_000), trigger: 'manual', scheduledFor: null, actor: { type: 'system', id: 'tests' }, batchSize });

const names = (items: readonly { hostname: string }[]) => items.map((h) => h.hostname).sort();
const bkp01 = (items: readonly { hostname: string; rule_id: string }[]) => names(items.filter((f) => f.rule_id === 'BKP-01'));
/** The report without what differs from run to run (ids and times). */
const comparable = (result: AuditRunResult) => ({ ...result.report, audit_id: null, started_at: null, finished_at: null });

for (const kind of DB_KINDS) {
  t.test(`${kind}: the diff does not depend on batch boundaries`, async (t) => {
    const { db } = await openTestDatabase(t, kind);
    await db.insertInto('sites').values({ site: SITE, created_at: toDbTime(TEST_NOW) }).execute();
    const ids = Array.from({ length: 12 }, (_, i) => `h${String(i).padStart(2, '0')}`);
    // Even hosts fail BKP-01 in the first audit.
    for (const [i, id] of ids.entries()) await report(db, id, i % 2 === 0 ? 200 : 2, 1);
    const first = await audit(db, 3, 0);
    t.equal(first.summary.hosts, 12);

    // Gone: the first host, one inside a batch, the last two (after every current host).
    // New: two hosts between existing ones. h02 is fixed, h03 newly fails.
    for (const id of ['h00', 'h04', 'h10', 'h11']) await db.updateTable('hosts').set({ revoked_at: toDbTime(TEST_NOW) }).where('host_id', '=', id).execute();
    await report(db, 'h035', 200, 2);
    await report(db, 'h075', 2, 2);
    await report(db, 'h02', 2, 2);
    await report(db, 'h03', 200, 2);

    const reports = [];
    for (const batchSize of [1, 2, 3, 5, 1000]) {
      const second = await audit(db, batchSize, 60);
      const diff = second.report.diff;
      t.equal(diff.previous_audit_id, first.audit_id);
      t.same(names(diff.vanished_hosts.items), ['srv-h00', 'srv-h04', 'srv-h10', 'srv-h11'], `batches of ${batchSize}: vanished`);
      t.same(names(diff.new_hosts.items), ['srv-h035', 'srv-h075'], `batches of ${batchSize}: new hosts`);
      t.same(bkp01(diff.new_failures.items), ['srv-h03'], `batches of ${batchSize}: new failures (a new host's are not "new")`);
      t.same(bkp01(diff.fixed.items), ['srv-h02'], `batches of ${batchSize}: fixed`);
      t.equal(second.summary.hosts, 10);
      reports.push(comparable(second));
      // Forget this run so that the next one diffs against the first audit again.
      await db.deleteFrom('audit_hosts').where('audit_id', '=', second.audit_id).execute();
      await db.deleteFrom('audits').where('audit_id', '=', second.audit_id).execute();
    }
    for (const other of reports.slice(1)) t.same(other, reports[0], 'the same report whatever the batch size');
  });
}

for (const kind of DB_KINDS) {
  t.test(`${kind}: a site or role whose hosts never reported has no score`, async (t) => {
    const { db } = await openTestDatabase(t, kind);
    await db.insertInto('sites').values({ site: SITE, created_at: toDbTime(TEST_NOW) }).execute();
    await report(db, 'h01', 2, 1);
    await db.insertInto('sites').values({ site: 'ch-silent', created_at: toDbTime(TEST_NOW) }).execute();
    await db
      .insertInto('hosts')
      .values({
        host_id: 'h02',
        hostname: 'gw-silent',
        os: toDbJson(TEST_OS),
        role: 'telemaintenance-gateway',
        site: 'ch-silent',
        agent_version: '0.1.0',
        enrolled_at: toDbTime(TEST_NOW),
        last_seen_at: null,
        revoked_at: null,
        credential_hash: 'x'.repeat(64),
        current_report_id: null,
        current_collected_at: null,
      })
      .execute();
    const result = await audit(db, 1000, 0);
    t.same(result.report.hosts, { total: 2, assessed: 1, stale: 0, never_reported: 1 });
    t.same(Object.keys(result.report.by_site), [SITE]);
    t.same(Object.keys(result.report.by_role), ['server']);
  });
}
