// An emergency (bris de glace) let in on one approval and not countersigned within 24 h is a
// finding of the nightly audit: in its JSON report (API), its HTML and CSV renderings, the CLI's
// summary count, the webhook body and syslog; a countersignature (even late) settles it. Both
// databases, pinned clock.
import t from 'tap';
import { auditCsv } from '../../../server/audit/csv-report.js';
import { loadAuditReport, renderAudit } from '../../../server/audit/formats.js';
import { renderHtmlReport } from '../../../server/audit/html-report.js';
import { syslogMessages, webhookPayload } from '../../../server/audit/notify-audit.js';
import { runAuditJob } from '../../../server/audit/scheduler.js';
import { formatOverdue } from '../../../server/access/countersign-overdue.js';
import { createRequest, expireDueRequests, reviewRequest } from '../../../server/access/transitions.js';
import { fullSession } from '../auth/helpers.js';
import { DB_KINDS } from '../fixture.js';
import { auditDeps } from '../audit/helpers.js';
import { accessWorld, type AccessWorld, type Person } from './helpers.js';

const IP = '198.51.100.7';
const HOUR = 3600_000;

function emergency(w: AccessWorld, ticket: string) {
  return createRequest(
    w.deps,
    w.people.vendor,
    { target: w.target.name, not_after: new Date(w.clock.at.getTime() + HOUR).toISOString(), reason: 'IRM bloquée, patient en attente', ticket, emergency: true },
    w.clock.at,
  );
}

function review(w: AccessWorld, who: Person, requestId: string, decision: 'approve' | 'deny' | 'countersign') {
  return reviewRequest(w.deps, who, requestId, { decision, comment: `${decision}: vu`, totp_code: w.code(who) }, IP, w.clock.at);
}

async function audit(w: AccessWorld) {
  const attempt = await runAuditJob({ ...auditDeps(w.db, w.clock.now), packs: w.packs }, 'manual', null);
  if (attempt.status !== 'ran') throw new Error(`audit skipped: ${attempt.reason}`);
  return attempt.result;
}

for (const kind of DB_KINDS) {
  t.test(`emergency not countersigned within 24 h is a nightly-audit finding (${kind})`, async (t) => {
    const w = await accessWorld(t, kind);
    const start = w.clock.at;
    const late = await emergency(w, 'URG-1');
    t.equal((await review(w, w.people.bio, late.request_id, 'approve')).request.state, 'approved', 'one approver lets an emergency in');
    const signed = await emergency(w, 'URG-2');
    await review(w, w.people.rssi, signed.request_id, 'approve');
    const denied = await emergency(w, 'URG-3');
    await review(w, w.people.rssi2, denied.request_id, 'deny');
    w.clock.advance(2 * HOUR);
    await review(w, w.people.bio, signed.request_id, 'countersign');
    // The window (1 h) is over: the clock closes both grants; closed does not excuse the countersignature.
    t.equal(await expireDueRequests(w.deps, w.clock.at), 2);

    // 23 h 59 min after the approval: not yet due.
    w.clock.at = new Date(start.getTime() + 24 * HOUR - 60_000);
    const early = await audit(w);
    t.same(early.report.access_findings, { total: 0, items: [] }, 'within 24 h: no finding');
    t.equal(early.summary.access_findings, 0);

    // 26 h 30 min after: 2 h 30 min overdue.
    w.clock.at = new Date(start.getTime() + 26.5 * HOUR);
    const result = await audit(w);
    const findings = result.report.access_findings!;
    t.equal(findings.total, 1, 'only the uncountersigned approved emergency');
    const f = findings.items[0]!;
    t.match(f, {
      kind: 'emergency_not_countersigned',
      request_id: late.request_id,
      target: 'irm-vallee-01',
      site: w.target.site,
      gateway_host_id: w.gateway.host_id,
      // The hostname its latest report gave (tests/server/access/helpers.ts: gw-<id>).
      gateway: `gw-${w.gateway.host_id.slice(0, 4)}`,
      vendor: 'acme-imaging',
      requester: 'jdupont',
      approvers: ['bio-claire (biomedical)'],
      ticket: 'URG-1',
      state: 'closed',
      approved_at: start.toISOString(),
      countersign_due: new Date(start.getTime() + 24 * HOUR).toISOString(),
      overdue_minutes: 150,
    });
    t.equal(result.summary.access_findings, 1, 'counted in the summary (CLI, audit list)');

    // The stored report, as the API returns it.
    const stored = await loadAuditReport(w.db, result.audit_id);
    t.same(stored?.report.access_findings, findings, 'stored in the report document (API JSON)');
    const api = await w.app.inject({
      method: 'GET',
      url: `/api/v1/audits/${result.audit_id}`,
      cookies: (await fullSession(w.app, w.db, 'rssi-reader', 'rssi', w.clock.at)).cookies,
    });
    t.equal(api.statusCode, 200);
    t.equal(api.json().access_findings.items[0].request_id, late.request_id, 'GET /api/v1/audits/:id lists it');
    const list = await w.app.inject({ method: 'GET', url: '/api/v1/audits', cookies: (await fullSession(w.app, w.db, 'rssi-reader2', 'rssi', w.clock.at)).cookies });
    t.equal(list.json().audits[0].summary.access_findings, 1, 'GET /api/v1/audits shows the count');

    // HTML (French and English), CSV, webhook and syslog.
    const fr = renderHtmlReport(result.report, { lang: 'fr', timeZone: 'UTC' });
    t.match(fr, 'Accès d&#39;urgence non contresignés sous 24 h (1)');
    t.match(fr, new RegExp(`<tr data-request="${late.request_id}">[\\s\\S]*?irm-vallee-01[\\s\\S]*?acme-imaging[\\s\\S]*?jdupont[\\s\\S]*?bio-claire \\(biomedical\\)[\\s\\S]*?2 h 30 min`));
    t.notMatch(fr, signed.request_id, 'the countersigned one is not listed');
    t.match(renderHtmlReport(result.report, { lang: 'en' }), 'Emergency accesses not countersigned within 24 h (1)');
    const csv = await auditCsv(w.db, result.report, 'en');
    const row = csv.split('\r\n').find((l) => l.includes('ACCESS-COUNTERSIGN'));
    t.ok(row, 'a CSV line');
    t.match(row!, `${w.gateway.host_id}`);
    t.match(row!, `Request ${late.request_id} (URG-1) on irm-vallee-01, vendor acme-imaging, requester jdupont, approved by bio-claire (biomedical)`);
    t.match(row!, '2 h 30 min overdue');
    const hook = webhookPayload(result.report, result.report_sha256);
    t.same(hook.access_findings.total, 1);
    t.same(hook.access_findings.items[0]?.request_id, late.request_id);
    const syslog = syslogMessages(result.report, result.report_sha256, w.clock.at).filter((m) => m.msgId === 'ACCESS');
    t.equal(syslog.length, 1);
    t.match(syslog[0]!.message, `Emergency access ${late.request_id} to irm-vallee-01`);
    t.match(syslog[0]!.message, '150 min overdue');
    t.equal(renderAudit(w.db, stored!, 'json').body, stored!.json, 'the JSON rendering is the stored document');

    // A late countersignature settles it: the next audit no longer lists it.
    const settled = await review(w, w.people.rssi, late.request_id, 'countersign');
    t.equal(settled.request.countersigned_by, 'rssi-anne');
    const after = await audit(w);
    t.equal(after.report.access_findings?.total, 0, 'countersigned late: no longer a finding');
  });
}

t.test('overdue durations read as people say them', async (t) => {
  t.equal(formatOverdue(0, 'fr'), '0 min');
  t.equal(formatOverdue(150, 'en'), '2 h 30 min');
  t.equal(formatOverdue(3 * 1440 + 4 * 60 + 5, 'fr'), '3 j 4 h');
  t.equal(formatOverdue(3 * 1440 + 4 * 60 + 5, 'en'), '3 d 4 h');
});
