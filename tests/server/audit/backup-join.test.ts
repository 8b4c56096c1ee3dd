// BKP-01 seen from the backup server: the nightly audit joins what a backup server's repositories
// hold to the hosts with no local backup tool. A host held recently passes, one held by an old
// snapshot fails, one no backup covers is unknown saying so (never a guessed fail). Both databases.
import t from 'tap';
import type { Report } from '../../../policies/evidence.js';
import { runAuditJob } from '../../../server/audit/scheduler.js';
import { auditHostBatches } from '../../../server/db/audits.js';
import { withBackupSources } from '../../helpers/report-builder.js';
import { bearer, DB_KINDS, readToken, reportOf, TEST_NOW, testApp } from '../fixture.js';
import { auditDeps, enroll, HOUR, send } from './helpers.js';

for (const kind of DB_KINDS) {
  t.test(`${kind}: BKP-01 from the backup server's repositories`, async (t) => {
    const { app, db } = await testApp(t, kind, { now: () => TEST_NOW });
    const backup = await enroll(app, db, 'ch-a', 'backup-server', 'bkp-01');
    const recent = await enroll(app, db, 'ch-a', 'server', 'srv-dpi.chu.local');
    const old = await enroll(app, db, 'ch-a', 'server', 'srv-pacs');
    const nobody = await enroll(app, db, 'ch-a', 'server', 'srv-orphan');
    const at = (hours: number) => new Date(TEST_NOW.getTime() - hours * HOUR).toISOString();

    const noLocalSource = (host: typeof recent): Report => withBackupSources(reportOf(host, { collected_at: at(0), host: { hostname: host.hostname } }), []);
    const backupReport = withBackupSources(reportOf(backup, { collected_at: at(0), host: { hostname: 'bkp-01' } }), [
      { tool: 'restic', target: '/srv/restic/fleet', last_success_at: at(3), snapshot_count: 40 },
    ]);
    if ('unavailable' in backupReport.backups) throw new Error('unreachable');
    backupReport.backups.hosts_covered = [
      // restic recorded the short name; the host is enrolled under its FQDN.
      { hostname: 'srv-dpi', tool: 'restic', target: '/srv/restic/fleet', last_snapshot_at: at(5), snapshot_count: 30 },
      { hostname: 'SRV-PACS', tool: 'borg', target: 'ssh://bkp-01/srv/borg/pacs', last_snapshot_at: at(24 * 9), snapshot_count: 10 },
    ];
    await send(t, app, backup, backupReport);
    for (const host of [recent, old, nobody]) await send(t, app, host, noLocalSource(host));

    // At ingestion the join is not made: unknown, saying the nightly audit joins it.
    const hostVerdicts = await app.inject({ method: 'GET', url: `/api/v1/hosts/${recent.host_id}/verdicts`, headers: bearer(await readToken(db)) });
    t.equal(hostVerdicts.statusCode, 200, hostVerdicts.body);
    const ingested = (hostVerdicts.json().verdicts as { rule_id: string; status: string; explanation: { en: string } }[]).find((v) => v.rule_id === 'BKP-01');
    t.equal(ingested?.status, 'unknown');
    t.match(ingested?.explanation.en, /nightly audit joins it/);

    const attempt = await runAuditJob(auditDeps(db, () => TEST_NOW), 'manual', null);
    if (attempt.status !== 'ran') throw new Error(`audit skipped: ${attempt.reason}`);
    const bkp01 = new Map<string, string>();
    for await (const rows of auditHostBatches(db, attempt.result.audit_id)) {
      for (const row of rows) {
        const result = row.results.find((r) => r.rule_id === 'BKP-01');
        if (result) bkp01.set(row.hostname, result.status);
      }
    }
    t.same(Object.fromEntries([...bkp01].sort()), {
      'bkp-01': 'pass',
      'srv-dpi.chu.local': 'pass',
      'srv-orphan': 'unknown',
      'srv-pacs': 'fail',
    });
    const failing = attempt.result.report.findings.items.find((f) => f.hostname === 'srv-pacs' && f.rule_id === 'BKP-01');
    t.match(failing?.explanation?.en, /No local backup tool; proof from the backup server: borg ssh:\/\/bkp-01\/srv\/borg\/pacs @ bkp-01: last success 9 d/);
  });
}
