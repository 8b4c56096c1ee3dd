// The audit engine against a real fleet on SQLite and PostgreSQL: the diff between two audits,
// a silent host becoming stale, a waiver expiring between runs, and the audit-log entry.
import { createHash } from 'node:crypto';
import t from 'tap';
import { listAuditEntries } from '../../../server/auditlog/auditlog.js';
import { auditCsv } from '../../../server/audit/csv-report.js';
import { loadAuditReport } from '../../../server/audit/formats.js';
import type { AuditReport, Finding, HostRef } from '../../../server/audit/model.js';
import { runAuditJob } from '../../../server/audit/scheduler.js';
import { createWaiver } from '../../../server/waivers/create.js';
import { loadShippedPacks } from '../../../policies/pack.js';
import { revokeHost } from '../../../server/db/hosts.js';
import { DB_KINDS, TEST_NOW, testApp } from '../fixture.js';
import { auditDeps, enroll, HOUR, movableClock, reportAt, send } from './helpers.js';

const ids = (items: readonly HostRef[]) => items.map((h) => h.hostname).sort();
const on = (items: readonly Finding[], rule: string) => items.filter((f) => f.rule_id === rule).map((f) => f.hostname).sort();

async function audit(deps: ReturnType<typeof auditDeps>): Promise<{ report: AuditReport; sha: string }> {
  const attempt = await runAuditJob(deps, 'manual', null);
  if (attempt.status !== 'ran') throw new Error(`audit skipped: ${attempt.reason}`);
  return { report: attempt.result.report, sha: attempt.result.report_sha256 };
}

for (const kind of DB_KINDS) {
  t.test(`${kind}: diff between audits, stale hosts, never reported`, async (t) => {
    const clock = movableClock(TEST_NOW);
    const { app, db } = await testApp(t, kind, { now: clock.now });
    const a = await enroll(app, db, 'ch-a', 'server', 'srv-a');
    const b = await enroll(app, db, 'ch-a', 'server', 'srv-b');
    const c = await enroll(app, db, 'ch-b', 'server', 'srv-c');
    const g = await enroll(app, db, 'ch-b', 'telemaintenance-gateway', 'tmg-irm');
    await send(t, app, a, reportAt(a, clock.now(), 2));
    await send(t, app, b, reportAt(b, clock.now(), 200));
    await send(t, app, g, reportAt(g, clock.now(), 200));
    const deps = auditDeps(db, clock.now);

    const first = await audit(deps);
    t.same(first.report.hosts, { total: 4, assessed: 3, stale: 0, never_reported: 1 });
    t.same(ids(first.report.never_reported.items), ['srv-c']);
    t.same(on(first.report.findings.items, 'BKP-01'), ['srv-b', 'tmg-irm']);
    const top = first.report.findings.items[0];
    t.equal(top?.severity, 'critical', 'critical findings come first');
    t.equal(top?.role, 'telemaintenance-gateway', 'gateways first among critical findings');
    const bkp = first.report.by_rule['BKP-01'];
    t.equal(bkp?.pass, 1);
    t.equal(bkp?.fail, 2);
    t.equal(bkp?.score, 1 / 3, 'score = pass / (pass + fail)');
    t.equal(first.report.diff.previous_audit_id, null);
    t.equal(first.report.diff.new_failures.total, 0, 'no diff without a previous audit');

    // Evidence changes: A's backup goes stale, B's is fixed, C is revoked, D joins.
    clock.advance(HOUR);
    await send(t, app, a, reportAt(a, clock.now(), 200));
    await send(t, app, b, reportAt(b, clock.now(), 1));
    await send(t, app, g, reportAt(g, clock.now(), 200));
    t.ok(await revokeHost(db, c.host_id, clock.now()));
    const d = await enroll(app, db, 'ch-a', 'server', 'srv-d');
    await send(t, app, d, reportAt(d, clock.now(), 2));

    const second = await audit(deps);
    const diff = second.report.diff;
    t.equal(diff.previous_audit_id, first.report.audit_id);
    t.same(on(diff.new_failures.items, 'BKP-01'), ['srv-a'], 'new failure: A');
    t.same(on(diff.fixed.items, 'BKP-01'), ['srv-b'], 'fixed: B');
    t.same(ids(diff.new_hosts.items), ['srv-d']);
    t.same(ids(diff.vanished_hosts.items), ['srv-c'], 'a revoked host vanishes');
    t.notOk(diff.new_failures.items.some((f) => f.hostname === 'tmg-irm'), 'a failure that persists is not new');
    t.equal(second.report.findings.items.find((f) => f.hostname === 'srv-a' && f.rule_id === 'BKP-01')?.new, true);

    // A goes silent for more than the evidence age limit (24 h): stale, every result unknown.
    clock.advance(25 * HOUR);
    for (const h of [b, g, d]) await send(t, app, h, reportAt(h, clock.now(), 1));
    const third = await audit(deps);
    t.same(ids(third.report.stale_hosts.items), ['srv-a']);
    t.equal(third.report.hosts.stale, 1);
    const stored = await loadAuditReport(db, third.report.audit_id);
    t.ok(stored);
    t.notOk(third.report.findings.items.some((f) => f.hostname === 'srv-a'), 'a stale host has no findings, only unknowns');
    t.same(on(third.report.diff.fixed.items, 'BKP-01'), ['tmg-irm'], 'unknown is not "fixed": only the gateway was fixed');
    t.ok((third.report.by_site['ch-a']?.unknown ?? 0) > 0, 'unknowns counted apart');

    // The stored JSON is byte for byte what the audit log's hash covers.
    const entries = await listAuditEntries(db, { limit: 10, action: 'audit.run' });
    t.equal(entries.length, 3);
    const latest = entries[0]!;
    t.equal(latest.target, `audit:${third.report.audit_id}`);
    t.equal(latest.details.report_sha256, third.sha);
    t.equal(createHash('sha256').update(stored!.json).digest('hex'), third.sha);

    // CSV: RFC 4180 line ends, one line per (host, rule) plus one per never-reported host.
    const csv = await auditCsv(db, third.report, 'en');
    const lines = csv.split('\r\n').filter((l) => l !== '');
    t.ok(csv.startsWith('\ufeffaudit_id,'), 'a UTF-8 byte order mark first, so Excel reads the accents');
    t.match(lines[0], /^\ufeffaudit_id,site,role,host_id,hostname,host_state,/);
    t.equal(csv.indexOf('\ufeff', 1), -1, 'one mark only, not one per chunk');
    t.notOk(/[^\r]\n/.test(csv), 'every line ends with CRLF');
    const rulesPerServer = loadShippedPacks().get('server')!.rules.length;
    const rulesPerGateway = loadShippedPacks().get('telemaintenance-gateway')!.rules.length;
    t.equal(lines.length, 1 + 3 * rulesPerServer + rulesPerGateway);
  });

  t.test(`${kind}: a waiver expiring between two runs flips the verdict back`, async (t) => {
    const clock = movableClock(TEST_NOW);
    const { app, db } = await testApp(t, kind, { now: clock.now });
    const w = await enroll(app, db, 'ch-w', 'server', 'srv-w');
    await send(t, app, w, reportAt(w, clock.now(), 200));
    const waiver = await createWaiver(
      db,
      { rule: 'BKP-01', scope: 'site:ch-w', justification: 'Backup server replaced this week (ticket 4521).', approver: 'rssi.dupont', expires: TEST_NOW.toISOString().slice(0, 10) },
      { packs: loadShippedPacks(), now: clock.now(), timeZone: 'Europe/Paris', actor: { type: 'cli', id: 'tests' } },
    );
    const deps = auditDeps(db, clock.now);

    const first = await audit(deps);
    t.same(on(first.report.waived.items, 'BKP-01'), ['srv-w'], 'waived while the waiver holds');
    t.equal(first.report.waived.items[0]?.waiver_id, waiver.id);
    t.same(on(first.report.findings.items, 'BKP-01'), [], 'not a finding while waived');
    t.equal(first.report.by_rule['BKP-01']?.waived, 1);
    t.equal(first.report.by_rule['BKP-01']?.fail, 0);
    t.equal(first.report.expired_waivers.total, 0);

    clock.advance(48 * HOUR);
    await send(t, app, w, reportAt(w, clock.now(), 200));
    const second = await audit(deps);
    t.same(on(second.report.findings.items, 'BKP-01'), ['srv-w'], 'a finding again once expired');
    t.same(on(second.report.diff.new_failures.items, 'BKP-01'), ['srv-w'], 'and a new failure in the diff');
    t.same(second.report.expired_waivers.items.map((x) => x.id), [waiver.id], 'the expired waiver is listed');
    t.equal(second.report.by_rule['BKP-01']?.fail, 1);

    const created = await listAuditEntries(db, { limit: 5, action: 'waiver.created' });
    t.equal(created[0]?.target, `waiver:${waiver.id}`, 'the waiver is in the audit log');
  });
}
