// TMA-02 judged from Vigie's own grants: a gateway whose vendor tunnel came up outside every
// approved window fails, one whose tunnel came up inside a grant's window passes; at ingestion
// (POST /api/v1/reports, then the verdicts as the API shows them) and in the nightly audit. A site
// overlay's hand-typed windows (sites approving in another tool) keep counting beside the grants,
// and a grant closed since still covers what happened inside its window. Both databases, pinned clock.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../../policies/evidence.js';
import { loadSiteOverlayFile } from '../../../policies/pack.js';
import { runAuditJob } from '../../../server/audit/scheduler.js';
import { createRequest, expireDueRequests, reviewRequest } from '../../../server/access/transitions.js';
import { auditHostBatches } from '../../../server/db/audits.js';
import { tunnel, withTelemaintenance } from '../../helpers/report-builder-bkp.js';
import { auditDeps } from '../audit/helpers.js';
import { bearer, DB_KINDS, readToken, type EnrolledHost } from '../fixture.js';
import { accessWorld, healthyGatewayReport, storeReport, testPacks, type AccessWorld } from './helpers.js';

const IP = '198.51.100.7';
const MIN = 60_000;
const HOUR = 60 * MIN;

/** The gateway's report collected at `at`: its vendor tunnel has the given up/down events, and is up or down now. */
function gatewayReportAt(host: EnrolledHost, at: Date, events: { at: Date; event: 'up' | 'down' }[], state: 'up' | 'down'): Report {
  const base = healthyGatewayReport(host);
  const report = withTelemaintenance(base, {
    tunnels: [tunnel({ state, events: events.map((e) => ({ at: e.at.toISOString(), event: e.event })) })],
    // No vendor account episode: TMA-02 is judged on the tunnel alone.
    vendor_accounts: [{ account: 'vendor-mri', enabled: false, enabled_at: null, disabled_at: null }],
  });
  return { ...report, report_id: crypto.randomUUID(), collected_at: at.toISOString() };
}

interface Judged {
  status: string;
  en: string;
}

/** Send the report through the agent API at the clock, then read TMA-02 as the API shows it. */
async function ingested(t: Test, w: AccessWorld, report: Report): Promise<Judged> {
  const sent = await w.app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(w.gateway.credential), payload: report });
  t.equal(sent.statusCode, 201, sent.body);
  const shown = await w.app.inject({ method: 'GET', url: `/api/v1/hosts/${w.gateway.host_id}/verdicts`, headers: bearer(await readToken(w.db)) });
  t.equal(shown.statusCode, 200, shown.body);
  const body = shown.json() as { report_id: string; verdicts: { rule_id: string; status: string; explanation: { en: string } }[] };
  const v = body.verdicts.find((x) => x.rule_id === 'TMA-02');
  if (v === undefined) throw new Error(`TMA-02 missing: ${shown.body}`);
  return { status: v.status, en: v.explanation.en };
}

/** Run the audit at the clock and return the gateway's TMA-02 result. */
async function audited(w: AccessWorld): Promise<Judged> {
  const attempt = await runAuditJob({ ...auditDeps(w.db, w.clock.now), packs: w.packs, overlays: w.overlays }, 'manual', null);
  if (attempt.status !== 'ran') throw new Error(`audit skipped: ${attempt.reason}`);
  for await (const rows of auditHostBatches(w.db, attempt.result.audit_id)) {
    const row = rows.find((r) => r.host_id === w.gateway.host_id);
    const r = row?.results.find((x) => x.rule_id === 'TMA-02');
    if (r !== undefined) return { status: r.status, en: r.explanation?.en ?? '' };
  }
  throw new Error('gateway TMA-02 not in the audit');
}

for (const kind of DB_KINDS) {
  t.test(`TMA-02 from Vigie's grants, beside a site overlay's windows (${kind})`, async (t) => {
    const T0 = new Date(Date.parse('2025-06-02T08:01:00.000Z'));
    // The site approves some windows in another tool and declares them in its overlay.
    const dir = mkdtempSync(join(tmpdir(), 'vigie-tma02-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const overlayWindow = { ticket: 'CHG-OVL-9', start: new Date(T0.getTime() + 4 * HOUR).toISOString(), end: new Date(T0.getTime() + 6 * HOUR).toISOString() };
    writeFileSync(
      join(dir, 'ch-demo.yaml'),
      `site: ch-demo\nversion: 1\noverrides:\n  - id: TMA-02\n    parameters:\n      approved_windows:\n        - ticket: ${overlayWindow.ticket}\n          start: "${overlayWindow.start}"\n          end: "${overlayWindow.end}"\n`,
    );
    const overlays = new Map([['ch-demo', loadSiteOverlayFile(join(dir, 'ch-demo.yaml'))]]);
    // No window in the pack itself: only grants and the overlay open one.
    const w = await accessWorld(t, kind, { packs: testPacks([]), overlays });
    t.equal(w.clock.at.getTime(), T0.getTime(), 'the test clock starts at TEST_NOW');

    // The gateway reports a quiet tunnel (never up): it passes the posture gate, the request is approved.
    await storeReport(w.db, w.packs, w.gateway, gatewayReportAt(w.gateway, T0, [], 'down'), T0);
    const asked = await createRequest(
      w.deps,
      w.people.vendor,
      {
        target: w.target.name,
        not_before: new Date(T0.getTime() + HOUR).toISOString(),
        not_after: new Date(T0.getTime() + 3 * HOUR).toISOString(),
        reason: 'Mise à jour logicielle console IRM',
        ticket: 'INC-2026-0777',
      },
      T0,
    );
    for (const who of [w.people.rssi, w.people.bio]) {
      await reviewRequest(w.deps, who, asked.request_id, { decision: 'approve', comment: 'ok', totp_code: w.code(who) }, IP, w.clock.at);
    }

    // 1. The tunnel came up before the grant's window opened: outside any window, fail.
    w.clock.at = new Date(T0.getTime() + 10 * MIN);
    const early = gatewayReportAt(w.gateway, w.clock.at, [{ at: new Date(T0.getTime() + 5 * MIN), event: 'up' }], 'up');
    const atIngestion1 = await ingested(t, w, early);
    t.equal(atIngestion1.status, 'fail', 'ingestion: tunnel up before the grant opens');
    t.match(atIngestion1.en, /no approved window|outside any approved window/);
    const inAudit1 = await audited(w);
    t.equal(inAudit1.status, 'fail', 'nightly audit: the same');

    // 2. Inside the grant's window: pass, naming the grant's ticket.
    w.clock.at = new Date(T0.getTime() + 2 * HOUR);
    const inside = gatewayReportAt(w.gateway, w.clock.at, [{ at: new Date(T0.getTime() + 90 * MIN), event: 'up' }], 'up');
    const atIngestion2 = await ingested(t, w, inside);
    t.equal(atIngestion2.status, 'pass', `ingestion: tunnel up inside the grant (${atIngestion2.en})`);
    const inAudit2 = await audited(w);
    t.equal(inAudit2.status, 'pass', `nightly audit: the same (${inAudit2.en})`);

    // 3. The grant's window is over (the clock closes it); the overlay's window is open. The grant
    //    still covers what happened inside it, the overlay covers the new episode: pass.
    w.clock.at = new Date(T0.getTime() + 5 * HOUR);
    t.equal(await expireDueRequests(w.deps, w.clock.at), 1, 'the grant is closed at its window end');
    const both = gatewayReportAt(
      w.gateway,
      w.clock.at,
      [
        { at: new Date(T0.getTime() + 90 * MIN), event: 'up' },
        { at: new Date(T0.getTime() + 150 * MIN), event: 'down' },
        { at: new Date(T0.getTime() + 270 * MIN), event: 'up' },
      ],
      'up',
    );
    const atIngestion3 = await ingested(t, w, both);
    t.equal(atIngestion3.status, 'pass', `ingestion: grant (closed) and overlay windows both count (${atIngestion3.en})`);
    t.match(atIngestion3.en, overlayWindow.ticket, 'the overlay window is the one open now');
    t.equal((await audited(w)).status, 'pass', 'nightly audit: the same');

    // 4. After both windows: the tunnel is up again with no window, fail at ingestion and in the audit.
    w.clock.at = new Date(T0.getTime() + 8 * HOUR);
    const late = gatewayReportAt(w.gateway, w.clock.at, [{ at: new Date(T0.getTime() + 7 * HOUR), event: 'up' }], 'up');
    const atIngestion4 = await ingested(t, w, late);
    t.equal(atIngestion4.status, 'fail', 'ingestion: tunnel up after every window');
    t.equal((await audited(w)).status, 'fail', 'nightly audit: the same');
  });
}

t.test('without the grant the inside report fails: the pass above comes from the grant', async (t) => {
  const w = await accessWorld(t, 'sqlite', { packs: testPacks([]) });
  const T0 = w.clock.at;
  w.clock.at = new Date(T0.getTime() + 2 * HOUR);
  const inside = gatewayReportAt(w.gateway, w.clock.at, [{ at: new Date(T0.getTime() + 90 * MIN), event: 'up' }], 'up');
  t.equal((await ingested(t, w, inside)).status, 'fail');
  t.equal((await audited(w)).status, 'fail');
});
