// The HTML report of the demo fleet, fetched from the API and opened in real headless chromium
// (Debian's /usr/bin/chromium driven by playwright-core): the key elements render, nothing is
// fetched from outside, and a screenshot is kept in tests/artifacts/.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import t from 'tap';
import { revokeHost } from '../../../server/db/hosts.js';
import { simulatedFleet } from '../../../server/demo/fleet.js';
import { runAuditJob } from '../../../server/audit/scheduler.js';
import { bearer, DB_KINDS, readToken, TEST_NOW, testApp } from '../fixture.js';
import { backupSource, withBackupSources } from '../../helpers/report-builder.js';
import { auditDeps, enroll, HOUR, movableClock, send, type FleetHost } from './helpers.js';

const ARTIFACTS = join(import.meta.dirname, '..', '..', 'artifacts');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let context: BrowserContext | undefined;
async function browser(): Promise<BrowserContext> {
  if (context === undefined) {
    const profile = mkdtempSync(join(tmpdir(), 'vigie-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.VIGIE_CHROMIUM ?? '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
      headless: true,
      viewport: { width: 1280, height: 900 },
    });
    t.teardown(async () => {
      await context?.close();
      rmSync(profile, { recursive: true, force: true });
    });
  }
  return context;
}

for (const kind of DB_KINDS) {
  t.test(`${kind}: HTML report of the demo fleet renders in chromium`, async (t) => {
    const clock = movableClock(TEST_NOW);
    const { app, db } = await testApp(t, kind, { now: clock.now });
    const fleet = simulatedFleet();
    const enrolled: Array<{ host: FleetHost; report: (id: string, now: Date) => ReturnType<(typeof fleet)[number]['report']> }> = [];
    for (const sim of fleet) {
      const host = await enroll(app, db, sim.identity.site, sim.identity.role, sim.identity.hostname);
      enrolled.push({ host, report: sim.report });
      await send(t, app, host, sim.report(host.host_id, clock.now()));
    }
    const deps = auditDeps(db, clock.now);
    t.equal((await runAuditJob(deps, 'schedule', clock.now())).status, 'ran');

    // The next night: one gateway's backups stop, one workstation is retired, one arrives.
    clock.advance(24 * HOUR);
    const gateway = enrolled.find((e) => e.host.role === 'telemaintenance-gateway')!;
    const retired = enrolled.find((e) => e.host.role === 'workstation')!;
    t.ok(await revokeHost(db, retired.host.host_id, clock.now()));
    for (const e of enrolled) {
      if (e === retired) continue;
      let report = e.report(e.host.host_id, clock.now());
      if (e === gateway) report = withBackupSources(report, [backupSource(new Date(clock.now().getTime() - 400 * HOUR).toISOString())]);
      await send(t, app, e.host, report);
    }
    const model = fleet.find((s) => s.identity.role === 'workstation')!;
    const newcomer = await enroll(app, db, model.identity.site, 'workstation', model.identity.hostname);
    await send(t, app, newcomer, model.report(newcomer.host_id, clock.now()));
    const second = await runAuditJob(deps, 'schedule', clock.now());
    if (second.status !== 'ran') throw new Error('second audit skipped');
    const report = second.result.report;
    t.ok(report.diff.new_failures.items.some((f) => f.hostname === gateway.host.hostname && f.rule_id === 'BKP-01'));

    const token = await readToken(db);
    const response = await app.inject({ method: 'GET', url: `/api/v1/audits/${report.audit_id}?format=html`, headers: bearer(token) });
    t.equal(response.statusCode, 200);
    t.match(response.headers['content-type'], /^text\/html/);
    t.match(response.headers['content-security-policy'], /default-src 'none'/);

    const page = await (await browser()).newPage();
    t.teardown(() => page.close());
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.setContent(response.body, { waitUntil: 'load' });

    t.equal(await page.getAttribute('html', 'lang'), 'fr', 'French by default');
    t.equal(await page.textContent('h1'), "Rapport d'audit Vigie");
    const score = (await page.textContent('#figure-score .value')) ?? '';
    t.match(score, /^\d{1,3}\.\d %$/, 'overall score shown');
    t.equal(await page.locator('#chart-sites g.bar').count(), 3, 'one bar per site');
    t.equal(await page.locator('#chart-roles g.bar').count(), Object.keys(report.by_role).length, 'one bar per role');
    const chartBox = await page.locator('#chart-sites').boundingBox();
    t.ok(chartBox !== null && chartBox.width > 100 && chartBox.height > 20, 'the SVG chart has a size on the page');
    const criticalRows = page.locator('#critical-findings tbody tr');
    t.ok((await criticalRows.count()) > 0, 'critical findings listed');
    t.equal((await criticalRows.first().locator('td').first().textContent())?.trim(), 'critique');
    t.match((await criticalRows.first().textContent()) ?? '', /passerelle de télémaintenance/, 'gateways first among critical findings');
    t.equal(await page.textContent('#diff-new-failures'), String(report.diff.new_failures.total));
    t.equal(await page.textContent('#diff-vanished-hosts'), '1');
    t.match((await page.textContent('#vanished-hosts')) ?? '', retired.host.hostname);
    t.ok(await page.locator(`#new-hosts tr[data-host="${newcomer.host_id}"]`).isVisible(), 'the new host is listed');
    t.ok(await page.locator(`#new-failures tr[data-host="${gateway.host.host_id}"][data-rule="BKP-01"]`).isVisible(), 'the new failure is shown');
    t.same(requests, [], 'no request leaves the page (no external resource)');

    // Printable: in print media the key sections stay visible.
    await page.emulateMedia({ media: 'print' });
    t.ok(await page.locator('#scores').isVisible());
    await page.emulateMedia({ media: 'screen' });
    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, `audit-report-${kind}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    t.pass(`screenshot kept at ${shot}`);

    const english = await app.inject({ method: 'GET', url: `/api/v1/audits/${report.audit_id}?format=html&lang=en`, headers: bearer(token) });
    await page.setContent(english.body, { waitUntil: 'load' });
    t.equal(await page.textContent('h1'), 'Vigie audit report', 'English on request');
    t.equal((await page.locator('#critical-findings tbody tr').first().locator('td').first().textContent())?.trim(), 'critical');
  });
}
