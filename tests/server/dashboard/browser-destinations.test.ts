// The Destinations page in a real browser (chromium): the RSSI opens learning from the page, the
// nightly proposals show, one is approved from its form (entry written, the row becomes allowed)
// and another rejected; the "hors liste blanche" filter is a GET form; an auditor reads without
// forms. Every state of the page has zero CSP and zero axe-core (WCAG 2.1 AA) violations, and
// hostile process names reported by an agent render as text (no planted element, no script ran,
// bidi override visible).
import t from 'tap';
import type { OutboundFlow } from '../../../policies/evidence.js';
import { runLearningProposals } from '../../../server/inventory/learning/nightly.js';
import { checkPage, launchBrowser, openPage } from '../../helpers/browser.js';
import { flow, withNetwork } from '../../helpers/report-builder-net.js';
import { send } from '../audit/helpers.js';
import { reportOf } from '../fixture.js';
import { dashboardServer, enrollAt, signIn, userWithMfa } from './fixture.js';

const SHOTS = 'dashboard-destinations';
const HOSTILE = `<img src=x onerror="window.__xss=1">"'&\u202Eevil.exe`;
const HOUR = 3_600_000;

t.test('Destinations page in chromium', async (t) => {
  const d = await dashboardServer(t, 'sqlite');
  const now = d.clock.now();
  const seen = { first_seen: new Date(now.getTime() - 30 * HOUR).toISOString(), last_seen: new Date(now.getTime() - HOUR).toISOString() };
  const named = (fqdn: string, address: string, process: string): OutboundFlow => ({ ...flow(address, 443, { fqdn, process }), remote_fqdn_source: 'dns-client-event' as const, remote_fqdn_confidence: 'exact' as const, ...seen });
  for (const n of [1, 2]) {
    const host = await enrollAt(d, 'ch-plateau', 'workstation', `pc-${n}.ch-plateau.local`);
    const flows: OutboundFlow[] = [named('portail.editeur-ris.example', '192.0.2.45', n === 1 ? HOSTILE : 'RisClient.exe'), { ...flow('198.51.100.7', 8443, { process: 'updater.exe' }), ...seen }];
    const report = withNetwork(reportOf(host, { collected_at: now.toISOString() }), { outbound: { method: 'test', window_start: new Date(now.getTime() - 31 * HOUR).toISOString(), window_end: now.toISOString(), samples: 100, flows } });
    await send(t, d.app, host, report);
  }
  const browser = await launchBrowser(t);
  const rssi = await userWithMfa(d, 'b-rssi', 'rssi');
  const auditor = await userWithMfa(d, 'b-auditor', 'auditor');

  await t.test('rssi: learning, proposals, approval and rejection from the page', async (t) => {
    const { page } = await openPage(t, browser, d.baseURL, d.clock.now());
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await signIn(page, d, rssi);
    const response = await page.goto('/destinations?site=ch-plateau');
    t.equal(response?.status(), 200);
    t.equal(await page.locator('img[src="x"]').count(), 0, 'no planted element');
    t.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss ?? null), null, 'no planted script ran');
    const table = (await page.textContent('section[aria-labelledby="inventory-h"]')) ?? '';
    t.match(table, /<img src=x onerror="window\.__xss=1">"'&⟨U\+202E⟩evil\.exe/, 'the process name is text, its bidi override visible');
    t.match(table, /portail\.editeur-ris\.example/);
    await checkPage(t, page, SHOTS, 'rssi-inventory');

    // Open learning from the form (site and role chosen, end date 20 days ahead).
    const until = new Date(d.clock.now().getTime() + 20 * 24 * HOUR).toISOString().slice(0, 10);
    await page.selectOption('#open-site', 'ch-plateau');
    await page.selectOption('#open-role', 'workstation');
    await page.fill('#open-until', until);
    await Promise.all([page.waitForURL(/done=opened/), page.click('form[action="/destinations/learning"] button[type=submit]')]);
    t.match((await page.textContent('main')) ?? '', /Apprentissage L-[0-9A-F]+ ouvert/);

    // The nightly run proposes; the page lists the proposals with their forms.
    const ran = await runLearningProposals(d.db, d.clock.now());
    t.equal(ran.proposed, 2, 'the name and the bare address');
    await page.goto('/destinations?site=ch-plateau');
    const cards = page.locator('article.card');
    t.equal(await cards.count(), 2);
    await checkPage(t, page, SHOTS, 'rssi-proposals');
    const byName = page.locator('article.card', { hasText: 'fqdn: portail.editeur-ris.example' });
    const id = ((await byName.getAttribute('id')) ?? '').replace(/^p-/, '');
    t.match(id, /^P-[0-9A-F]+$/);
    await byName.locator('textarea[name=purpose]').fill('Portail du RIS de l’éditeur (comptes rendus)');
    await byName.locator('input[name=owner]').fill('Service imagerie');
    await byName.locator('input[name=ticket]').fill('CHG-2035-118');
    await Promise.all([page.waitForURL(/done=approved/), byName.locator('form[action$="/approve"] button[type=submit]').click()]);
    t.match((await page.textContent('main')) ?? '', new RegExp(`Proposition ${id} approuvée`));
    await page.goto('/destinations?site=ch-plateau&q=portail');
    t.match((await page.textContent('section[aria-labelledby="inventory-h"]')) ?? '', /autorisée/, 'the row is allowed at once');

    // Reject the other with a reason.
    await page.goto('/destinations?site=ch-plateau');
    const byAddress = page.locator('article.card', { hasText: '198.51.100.7/32' });
    await byAddress.locator('textarea[name=reason]').fill('Updater non autorisé : à désinstaller');
    await Promise.all([page.waitForURL(/done=rejected/), byAddress.locator('form[action$="/reject"] button[type=submit]').click()]);
    t.equal(await page.locator('article.card').count(), 0, 'nothing left to review');
    await checkPage(t, page, SHOTS, 'rssi-decided');

    // The "hors liste blanche" filter is a GET form: the view is a URL.
    await page.check('input[name=unlisted]');
    await Promise.all([page.waitForURL(/unlisted=1/), page.click('form[role=search] button[type=submit]')]);
    const rows = await page.locator('section[aria-labelledby="inventory-h"] tbody tr').allTextContents();
    t.ok(rows.length > 0 && rows.every((r) => /hors liste blanche|nom inconnu/.test(r)), `only unlisted rows: ${rows.length}`);
    t.notOk(rows.some((r) => /portail\.editeur-ris/.test(r)), 'the approved destination is no longer outside the list');
    await checkPage(t, page, SHOTS, 'rssi-unlisted');
    t.same(dialogs, [], 'no dialog opened');
  });

  await t.test('auditor: reads the page without forms', async (t) => {
    const { page } = await openPage(t, browser, d.baseURL, d.clock.now());
    await signIn(page, d, auditor);
    t.equal((await page.goto('/destinations'))?.status(), 200);
    t.equal(await page.locator('form[method=post][action^="/destinations"]').count(), 0);
    t.ok(await page.locator('a[href^="/destinations/export.csv"]').count(), 'the export link is there');
    await checkPage(t, page, SHOTS, 'auditor');
  });
});
